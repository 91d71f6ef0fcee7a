"""xtvqa-models."""
