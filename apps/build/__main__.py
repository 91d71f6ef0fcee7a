"""`uv run apps/build`: build datasets (synthetic generator, converters, translation, XPaperQA).

The subcommands live in `xtvqa_apps.build`, one module each, imported when run.
"""

from xtvqa_apps.build import main

if __name__ == "__main__":
    main()
