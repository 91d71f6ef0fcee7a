"""Our XPaperQA-zh prompts and the reply schemas they ask for.

Written to the specification in the paper's appendix ("XPaperQA construction prompt"), not
copied from it: a scientific-literature QA expert; academic questions, one question per
sentence; three types following QASPER (yes-no: judgements on facts or reasoning, answers
only yes/no, balanced; extractive: detailed questions whose answer is a number, word or short
phrase from the text; abstractive: questions on the main points, answered by summarising);
as many low-similarity questions as possible; a self-rated confidence, an integer 1-10; JSON
output with special characters escaped. Each in Chinese and English. Re-answer prompts give
the page and one question; the consistency judge compares two answers to the same question.

The reply schemas (pydantic) are what `LLMClient.complete_json` validates against: a reply
with a missing field, a confidence outside 1-10 or a yes-no answer that is neither yes nor no
is malformed and asked again.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

QUESTION_TYPES = ("yes-no", "extractive", "abstractive")
LANGS = ("zh", "en")

YES = {"yes", "是", "是的", "对", "正确"}
NO = {"no", "否", "不是", "不", "错", "错误"}


def canonical_yes_no(answer: str) -> str | None:
    """'yes' / 'no' for the accepted spellings in either language, else None."""
    text = answer.strip().strip("。.!！").lower()
    return "yes" if text in YES else "no" if text in NO else None


class QAPair(BaseModel):
    question: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    confidence: int = Field(ge=1, le=10)


def _check_yes_no(value: str) -> str:
    if canonical_yes_no(value) is None:
        raise ValueError(f"a yes-no answer must be yes/no (是/否), got {value!r}")
    return value


class YesNoPair(QAPair):
    _yes_or_no = field_validator("answer")(_check_yes_no)


class QAPairs(BaseModel):
    pairs: list[QAPair]


class YesNoPairs(BaseModel):
    pairs: list[YesNoPair]


class Answer(BaseModel):
    answer: str = Field(min_length=1)
    confidence: int = Field(ge=1, le=10)


class YesNoAnswer(Answer):
    _yes_or_no = field_validator("answer")(_check_yes_no)


class Verdict(BaseModel):
    consistent: bool
    score: int = Field(ge=1, le=10)


def generation_schema(question_type: str) -> type[BaseModel]:
    return YesNoPairs if question_type == "yes-no" else QAPairs


def answer_schema(question_type: str) -> type[BaseModel]:
    return YesNoAnswer if question_type == "yes-no" else Answer


_ROLE = {
    "en": ("You build question-answering datasets from scientific papers. From the page of a "
           "paper below, write questions and answers for such a dataset. Make the questions "
           "academic, and put exactly one question in each sentence."),
    "zh": "你负责根据科技论文构建问答数据集。请根据下面给出的论文页面内容，为该数据集编写问题和答案。问题应具有学术性，每句话只包含一个问题。",
}
_KIND = {
    ("yes-no", "en"): ("Every question must be answerable with yes or no: it asks the reader to judge a "
                       "fact stated in the text, or a conclusion that follows from it by reasoning. Answer "
                       "each with exactly \"yes\" or \"no\", and make about half of the answers yes and half no."),
    ("yes-no", "zh"): "每个问题都必须能用“是”或“否”回答：判断文中陈述的事实，或判断由文中内容推理得出的结论。答案只能是“是”或“否”，且大约一半为“是”、一半为“否”。",
    ("extractive", "en"): ("Ask specific, detailed questions, not broad ones. Each answer must be a number, a "
                           "word or a short phrase copied from the text."),
    ("extractive", "zh"): "问题应具体、细致，不要提过于宏观的问题。每个答案必须是原文中出现的一个数字、词语或短句。",
    ("abstractive", "en"): ("Ask about the main points and ideas of the text rather than surface details. "
                            "An answer must not be a quotation: it should summarise, generalise or reason "
                            "over the text in your own words."),
    ("abstractive", "zh"): "问题应关注文本的要点和主旨，而不是表层细节。答案不能直接引用原文，而应通过归纳、总结或推理，用自己的话给出。",
}
_MANY = {
    "en": ("Write as many questions as the page supports, at most {max_pairs}, and make them as different "
           "from each other as you can. Rate your confidence that each answer is correct as an integer "
           "from 1 (a guess) to 10 (certain)."),
    "zh": "在页面内容允许的范围内尽量多地提问，最多{max_pairs}个，问题之间应尽量不相似。请为每个答案的正确性给出置信度，取1（猜测）到10（确定）之间的整数。",
}
_FORMAT = {
    "en": ('Reply with JSON only, escaping special characters, in this form: '
           '{{"pairs": [{{"question": "...", "answer": "...", "confidence": 8}}, ...]}}'),
    "zh": '只输出JSON，并对特殊字符进行转义，格式为：{{"pairs": [{{"question": "...", "answer": "...", "confidence": 8}}, ...]}}',
}
_CONTENT = {"en": "Page content:\n{content}", "zh": "论文页面内容：\n{content}"}


def generation_prompt(question_type: str, lang: str, content: str, *, max_pairs: int = 10) -> str:
    """The QA generation prompt for one page, question type and language."""
    parts = [_ROLE[lang], _KIND[(question_type, lang)], _MANY[lang].format(max_pairs=max_pairs),
             _FORMAT[lang].format(), _CONTENT[lang].format(content=content)]
    return "\n\n".join(parts)


_REANSWER_ROLE = {
    "en": ("You answer questions about a page of a scientific paper for a question-answering "
           "dataset. Answer the question below from the page content; do not write new questions."),
    "zh": "你为问答数据集回答关于科技论文页面的问题。请根据页面内容回答下面的问题，不要自己提出新问题。",
}
_REANSWER_FORMAT = {
    "en": ('Rate your confidence that the answer is correct as an integer from 1 to 10. Reply with JSON '
           'only, escaping special characters: {{"answer": "...", "confidence": 8}}'),
    "zh": '请为答案的正确性给出1到10之间的整数置信度。只输出JSON，并对特殊字符进行转义：{{"answer": "...", "confidence": 8}}',
}
_ANSWER_RULE = {
    ("yes-no", "en"): ("The question asks you to judge a fact stated in the text, or a conclusion that "
                       "follows from it. Answer with exactly \"yes\" or \"no\"."),
    ("yes-no", "zh"): "该问题要求判断文中陈述的事实或由其推理得出的结论。答案只能是“是”或“否”。",
    ("extractive", "en"): "The answer must be a number, a word or a short phrase copied from the text.",
    ("extractive", "zh"): "答案必须是原文中出现的一个数字、词语或短句。",
    ("abstractive", "en"): ("The answer must not be a quotation: summarise, generalise or reason over the "
                            "text in your own words."),
    ("abstractive", "zh"): "答案不能直接引用原文，而应通过归纳、总结或推理，用自己的话给出。",
}
_QUESTION = {"en": "Question: {question}", "zh": "问题：{question}"}


def reanswer_prompt(question_type: str, lang: str, content: str, question: str) -> str:
    """The re-answer prompt: the same page, one generated question, the type's answer rules."""
    parts = [_REANSWER_ROLE[lang], _ANSWER_RULE[(question_type, lang)], _REANSWER_FORMAT[lang].format(),
             _CONTENT[lang].format(content=content), _QUESTION[lang].format(question=question)]
    return "\n\n".join(parts)


_JUDGE = {
    "en": ("You check a question-answering dataset built from scientific papers. Below is one question "
           "with two answers given independently, and the normalised edit distance between the two "
           "answers (0 = identical, 1 = nothing in common) for reference. Decide whether the two answers "
           "are essentially consistent: they say the same thing, even in different words. Rate the "
           "consistency as an integer from 1 (contradictory) to 10 (the same). Reply with JSON only: "
           '{{"consistent": true, "score": 9}}\n\nQuestion: {question}\nAnswer 1: {a1}\nAnswer 2: {a2}\n'
           "Edit distance: {distance:.2f}"),
    "zh": ("你负责检查根据科技论文构建的问答数据集。下面是一个问题及其两个独立给出的答案，以及两个答案之间的归一化编辑距离"
           "（0表示完全相同，1表示毫无共同之处）供参考。请判断两个答案是否基本一致，即表达相同的意思（措辞可以不同），"
           "并给出1（相互矛盾）到10（完全一致）之间的整数一致度分数。只输出JSON："
           '{{"consistent": true, "score": 9}}\n\n问题：{question}\n答案1：{a1}\n答案2：{a2}\n编辑距离：{distance:.2f}'),
}


def judge_prompt(lang: str, question: str, answer_1: str, answer_2: str, distance: float) -> str:
    """The consistency-judge prompt (optional stage of the consistency filter)."""
    return _JUDGE[lang].format(question=question, a1=answer_1, a2=answer_2, distance=distance)
