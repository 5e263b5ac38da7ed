"""Allocating registry residents to the slots of premium pledges, never over quota."""
