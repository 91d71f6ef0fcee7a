"""xtvqa-build."""
