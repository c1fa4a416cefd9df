"""Importing defaults to the firm's private collection; the public corpus is an explicit choice (issue 17, item 6)."""


def test_the_import_form_defaults_to_the_firms_private_collection(world, login_as):
    admin = login_as(world["provider_admin"], world.firm_a).get("/search/upload").get_data(as_text=True)
    private = admin.index('value="private"')
    assert private < admin.index('value="public"')  # the public corpus is the provider admin's (issue 11 item 5)
    assert 'selected value="private"' in admin or 'value="private" selected' in admin
    specialist = login_as(world["specialist_a"], world.firm_a).get("/search/upload").get_data(as_text=True)
    assert 'value="private"' in specialist and 'value="public"' not in specialist
    attorney = login_as(world["a_attorney"]).get("/search/upload").get_data(as_text=True)
    assert 'value="private"' in attorney and 'value="public"' not in attorney
