"""builder(cls) gives exactly what cls(**kwargs) gives (harvester/model/builders.py, used by the mapping engine)."""

from __future__ import annotations

import pickle
from dataclasses import FrozenInstanceError, dataclass, fields

import pytest

from harvester.model.builders import builder
from harvester.model.dataset import NESTED_TYPES, Agent, Dataset, Distribution


@pytest.mark.parametrize("cls", [Dataset, *dict.fromkeys(NESTED_TYPES.values())])
def test_builder_is_faster_path_not_the_class(cls):
    assert builder(cls) is not cls  # the model's classes fit the technique


def test_built_objects_equal_constructed_ones():
    kw = dict(identifier="x", title="t", keywords=("a", "b"), publisher=Agent(name="n"),
              distributions=(Distribution(title="d", byte_size=3),), data_induk=True)
    built, made = builder(Dataset)(**kw), Dataset(**kw)
    assert type(built) is Dataset and built == made and hash(built) == hash(made) and repr(built) == repr(made)
    assert all(getattr(built, f.name) == getattr(made, f.name) for f in fields(Dataset))
    assert pickle.loads(pickle.dumps(built)) == made
    with pytest.raises(FrozenInstanceError):
        built.title = "changed"


def test_missing_and_unknown_arguments_fail_like_the_class():
    with pytest.raises(TypeError):
        builder(Dataset)(title="t")
    with pytest.raises(TypeError):
        builder(Agent)(name="n", nickname="x")


def test_classes_the_technique_does_not_fit_get_the_class_back():
    @dataclass(frozen=True)
    class NoSlots:
        a: int = 1

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int = 1

        def __post_init__(self):
            if self.a < 0:
                raise ValueError("negative")

    assert builder(NoSlots) is NoSlots
    assert builder(Checked) is Checked
