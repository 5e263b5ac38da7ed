"""Official PDF documents: numbered, stored once, verifiable by QR at /verify/<token>."""
