import pytest

from lawgov_nlp.clean import is_chrome, normalize


def test_normalize_full_and_half_width_alike():
    assert normalize("（一）深化政务公开，共１２件") == normalize("(一)深化政务公开,共12件")


@pytest.mark.parametrize("text", [
    "当前位置:首页/政务公开/", "发布时间:2024-03-20 阅读次数:", "【字号 大 中 小】", "打印", "上一条：关于印发……",
    "下一篇", "用微信扫描二维码分享至好友和朋友圈", "附件：1.统计表", "索引号：11310117MB2F1234", "信息来源：区政府办公室",
    "• 附件下载", "· 相关文章", "文件预览", "我来说两句", "【我要纠错】", "相关链接：",
    "上传人:qwe****66 文档编号:8987305", "第1页 / 共6页", "某县2024年法治政府建设报告.docx_第2页",
    "时间:2020-11-23 23:20:30下载本文", "点击查看更多>>",
])
def test_page_chrome_is_recognised(text):
    assert is_chrome(text)


@pytest.mark.parametrize("text", [
    "全年共受理政府信息公开申请12件。", "二、存在的不足", "根据附件所列清单开展检查，共查处案件5起。",
    "纠错", "相关文章已按要求公开。", "• 全年办理行政复议案件12件。", "详见附件《实施方案.docx》并按要求报送。",
    "时间：每年3月底前", "文档材料共6页，均已归档。",
])
def test_report_content_is_not_chrome(text):
    assert not is_chrome(text)


def test_an_unpaired_surrogate_does_not_break_normalisation():
    # str values built from JSON escapes can hold one; only the feature copy changes
    assert normalize("加強公開\ud800") == "加强公开\ufffd"
    assert normalize("公开\U0001F600") == "公开\U0001F600"
