"""xtvqa-infotheory."""
