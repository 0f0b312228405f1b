"""Sentences put together in either language (``fairdesk.core.sentences``)."""

from __future__ import annotations

from django.utils import translation

from fairdesk.core.sentences import clause, enumeration, sentences


def test_sentences_are_joined_the_way_their_language_writes_them() -> None:
    assert sentences("Resolved.", "", None, "Please answer.") == "Resolved. Please answer."
    assert (
        sentences("已处理，待您确认。", "处理结果：已更换。")
        == "已处理，待您确认。处理结果：已更换。"
    )
    # a Chinese sentence after an English one, and the other way round
    assert sentences("SR0001:", "已受理。") == "SR0001: 已受理。"
    assert sentences("投诉已处理", "SR0001") == "投诉已处理SR0001"
    assert sentences() == ""


def test_a_quoted_text_loses_its_final_stop() -> None:
    assert clause("已更换压缩机。") == "已更换压缩机"
    assert clause(" Replaced the compressor.. ") == "Replaced the compressor"
    assert clause("真的吗？！") == "真的吗"
    assert clause("版本 2.5") == "版本 2.5"
    assert clause("") == ""


def test_enumerations_use_the_languages_separator() -> None:
    with translation.override("zh-hans"):
        assert enumeration(["空调", "冰箱"]) == "空调、冰箱"
    with translation.override("en"):
        assert enumeration(["Fridge", "TV"]) == "Fridge, TV"
    assert enumeration([]) == ""
