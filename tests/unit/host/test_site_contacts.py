"""clinicguide_site_contacts: what a site plugin gives reaches the patient documents; a wrong answer is refused by name."""

from __future__ import annotations

from typing import Any

import pytest

from clinicguide import ClinicGuide, PluginError, hookimpl


class Site:
    def __init__(self, contacts: Any) -> None:
        self.contacts = contacts

    @hookimpl
    def clinicguide_site_contacts(self) -> Any:
        return self.contacts


class OtherSite(Site):
    """A second plugin: pluggy names plugins by class."""


def test_contacts_of_every_plugin_in_call_order() -> None:
    first = OtherSite([{"name": "Reception", "email": "desk@example.org"}])
    second = Site([{"name": "After-hours line", "phone": "020 7946 0999", "hours": "17:00 to 09:00"}])
    guide = ClinicGuide(entry_point_plugins=False, plugins=[first, second])
    names = [c["name"] for c in guide.hooks.site_contacts()]
    assert names == ["After-hours line", "Reception"]  # the plugin registered later is called first
    page = guide.document("aftercare", "botulinum-toxin-glabellar").content.decode()
    assert "desk@example.org" in page and "020 7946 0999" in page and "(17:00 to 09:00)" in page


@pytest.mark.parametrize(("contacts", "reason"), [
    ("call us", "must return a list of contacts"),
    ([{"name": "Reception"}], "at least one of phone, email or address"),
    ([{"phone": "1"}], "needs a name"),
    ([{"name": "Reception", "phone": "1", "fax": "2"}], "'fax' is not one of"),
    ([{"name": "Reception", "phone": ""}], "non-empty text"),
    ([{"name": "Reception", "phone": 5}], "non-empty text"),
])
def test_a_wrong_answer_is_refused_naming_the_plugin(contacts: Any, reason: str) -> None:
    guide = ClinicGuide(entry_point_plugins=False, plugins=[Site(contacts)])
    with pytest.raises(PluginError, match=reason) as caught:
        guide.document("consent", "microneedling")
    assert "clinicguide_site_contacts" in str(caught.value)
