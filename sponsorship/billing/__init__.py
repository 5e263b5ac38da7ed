"""Premium billing: monthly invoices to sponsors, their payments and statements."""
