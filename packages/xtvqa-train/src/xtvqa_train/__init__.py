"""xtvqa-train."""
