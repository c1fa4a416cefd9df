"""Importing defaults to the firm's private collection; the public corpus is an explicit choice (issue 17, item 6)."""


def test_the_import_form_defaults_to_the_firms_private_collection(world, login_as):
    specialist = login_as(world["specialist_a"], world.firm_a).get("/search/upload").get_data(as_text=True)
    private = specialist.index('value="private"')
    assert private < specialist.index('value="public"')
    assert 'selected value="private"' in specialist or 'value="private" selected' in specialist
    attorney = login_as(world["a_attorney"]).get("/search/upload").get_data(as_text=True)
    assert 'value="private"' in attorney and 'value="public"' not in attorney
