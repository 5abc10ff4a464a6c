from advisor.core.names import closest_names, resolve_name, scope_label, scope_word


def test_scope_label_quotes_values_as_data() -> None:
    assert scope_label({"campaign_id": "video-02"}) == 'campaign "video-02"'
    assert scope_label({"channel": "search"}, "ru") == "канала «search»"
    assert scope_label({}) == "all campaigns"
    assert scope_word("campaign_id") == "campaign" and scope_word("region") == "region"


def test_names_are_the_models_matcher() -> None:
    assert resolve_name("Paid Search", ["paid_search", "video"]) == "paid_search"
    assert closest_names("serach", ["search", "social"]) == ["search"]
