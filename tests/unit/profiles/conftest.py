"""Fixtures for the output-profile tests: the project's code lists and one instance of each profile."""

from __future__ import annotations

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.profiles.ckan_package import CkanPackageProfile
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.profiles.sdi import SdiProfile


@pytest.fixture(scope="session")
def codelists() -> CodeLists:
    return CodeLists.load()


@pytest.fixture(scope="session")
def dcat(codelists: CodeLists) -> DcatAp3Profile:
    return DcatAp3Profile(codelists)


@pytest.fixture(scope="session")
def ckan(codelists: CodeLists) -> CkanPackageProfile:
    return CkanPackageProfile(codelists)


@pytest.fixture(scope="session")
def sdi(codelists: CodeLists) -> SdiProfile:
    return SdiProfile(codelists)
