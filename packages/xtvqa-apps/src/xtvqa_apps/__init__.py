"""The apps' command-line kit (`xtvqa_apps.kit`): shared options, progress, run folders, wiring."""
