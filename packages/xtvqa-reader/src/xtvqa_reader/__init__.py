"""xtvqa-reader: the bundled default model, a tiny OCR-token reader.

Its architecture (`ocr_reader`: a tiny Qwen2-VL that reads the image's OCR tokens from its
prompt, with a tokenizer trained on the generator's text), its pre-training (`pretrain`:
answer-only cross-entropy, language mix, curriculum phases; `vision_attention`: the vision
tower's attention batched over same-size images), its recipes (`recipes`: `tiny-base` and
`tiny-mvcl`, their settings and `RecipeSettings`; `run.run_recipe` runs one; `tiny_base`:
the pre-training recipe itself) and its model card (`model_card`). `tiny-mvcl` is MVCL-MI
fine-tuning of the model by `xtvqa_train`; xtvqa-train knows nothing of this package.

`uv run apps/train --recipe tiny-base|tiny-mvcl` is its command line; the probes behind the
recipe's choices are the repository's experiments/ scripts, which import this package's
public names.
"""
