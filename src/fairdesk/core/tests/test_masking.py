"""The masks of personal data (``core.masking``): names, serials, e-mail addresses, stored
addresses, and street addresses typed in free text, on texts as customers write them."""

from __future__ import annotations

import pytest

from fairdesk.core.masking import (
    HIDDEN,
    MASKED,
    mask_address,
    mask_email,
    mask_name,
    mask_serial,
    mask_street_addresses,
    redact,
)


def test_names_serials_and_email_addresses() -> None:
    assert mask_name("张三丰") == "张**" and mask_name("李四") == "李**"
    assert mask_name("") == "" and mask_name("  ") == ""
    assert mask_serial("FD2024AC35000001") == "FD****01"
    assert mask_serial("A12") == "****" and mask_serial("") == ""
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_email("") == ""


def test_a_stored_address_is_cut_to_its_county() -> None:
    text = "广东省深圳市南山区粤海街道科技园路1号"
    township = ("440305007", "广东省/深圳市/南山区/粤海街道")
    assert mask_address(text, *township) == "广东省深圳市南山区"
    assert mask_address("北京市东城区", "110101", "北京市/东城区") == "北京市东城区"
    assert MASKED.division_code("440305007") == "440305"
    assert MASKED.division_name(*township) == "广东省/深圳市/南山区"
    # not resolved: the street detail masked, else all of it
    assert mask_address("深圳南山科技园路1号") == HIDDEN
    assert mask_address("火星基地3号舱") == HIDDEN
    assert mask_address("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "我家住在广东省深圳市南山区粤海街道科技园路1号3栋2单元501室，师傅一直没来",
            "我家住在广东省深圳市南山区＊＊＊，师傅一直没来",
        ),
        ("地址：南宁市良庆区银海大道1188号", "地址：南宁市良庆区＊＊＊"),
        ("上海市浦东新区张江路88弄12号801室，空调不制冷", "上海市浦东新区＊＊＊，空调不制冷"),
        ("北京市朝阳区建国路88号SOHO现代城5号楼1203，E1 故障", "北京市朝阳区＊＊＊，E1 故障"),
        ("成都市武侯区人民南路四段1号万达广场3号楼2单元1702室", "成都市武侯区＊＊＊"),
        (
            "在我家（杭州市西湖区文三路478号华星时代广场A座）吵闹",
            "在我家（杭州市西湖区＊＊＊）吵闹",
        ),
        ("送到江苏省苏州市工业园区星湖街328号创意产业园10幢", "送到江苏省苏州市＊＊＊"),
        ("在重庆市渝中区解放碑步行街8号，空调滴水", "在重庆市渝中区＊＊＊，空调滴水"),
        ("广西南宁市良庆区大沙田街道1号", "广西南宁市良庆区＊＊＊"),
        ("贵州黔东南榕江县古州镇3号", "贵州黔东南榕江县＊＊＊"),
        ("西藏自治区阿里地区噶尔县狮泉河镇1号", "西藏自治区阿里地区噶尔县＊＊＊"),
        ("湖南省长沙市岳麓区麓谷街道石岐村3组", "湖南省长沙市岳麓区＊＊＊"),
        ("住阳光小区3栋502，楼下是超市", "住＊＊＊，楼下是超市"),
        ("我在广州天河体育西路191号中石化大厦B座2901等师傅", "我在广州＊＊＊等师傅"),
        ("I live at Room 501, 12 Keji Road, Nanshan", "I live at ＊＊＊, Nanshan"),
        # no address: nothing changes
        ("师傅说12月3号上门，结果没来，3楼也没人", None),
        ("订单号123456，型号KFR-35GW/BpR3DN1，故障码E4", None),
        ("这是一座城市，村里有人，师傅在路上", None),
        ("退款 1299 元一直没到账", None),
    ],
)
def test_street_addresses_in_free_text(text: str, expected: str | None) -> None:
    assert mask_street_addresses(text) == (text if expected is None else expected)


def test_redact_masks_numbers_names_and_addresses_together() -> None:
    text = "张三 13800000001，住深圳市南山区科技园路1号，邮箱 z@example.com"
    assert redact(text, names=["张三"]) == "＊＊ 138****0001，住深圳市南山区＊＊＊，邮箱 ***@***"
