"""The areas API's answers."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

Level = Literal["province", "prefecture", "county", "township"]
Status = Literal["resolved", "ambiguous", "retired", "not_found"]


class ResolutionCandidateOut(Schema):
    code: str = Field(examples=["632521"])
    level: Level
    name: str = Field(
        description="Full name, 省/地/县/乡 joined by “/”",
        examples=["青海省/海南藏族自治州/共和县"],
    )


class ResolutionOut(Schema):
    input: str = Field(description="The text asked about, as given")
    status: Status = Field(
        description="resolved: one division; ambiguous: several plausible readings (see "
        "candidates); retired: a former division, code is its current successor (or, when it "
        "has several, candidates lists them); not_found: candidates holds suggestions"
    )
    code: str | None = Field(
        description="MCA code: 6 digits, or 9 for a township", examples=["632521"]
    )
    level: Level | None
    name: str | None = Field(
        description="Full name, 省/地/县/乡 joined by “/”",
        examples=["青海省/海南藏族自治州/共和县"],
    )
    candidates: list[ResolutionCandidateOut]
    note: str | None = Field(description="The resolver's explanation, in the request's language")


class DivisionRefOut(Schema):
    code: str
    level: Level
    name: str = Field(description="The division's own name, e.g. 南山区")


class HistoryOut(Schema):
    code: str
    name: str
    level: Level | None
    start_year: int | None
    end_year: int | None
    reason: str = Field(description="As the source gives it, e.g. 弃用, 变更, 撤销镇")
    successors: list[str] = Field(description="Successor codes named by the source")


class DivisionOut(Schema):
    code: str = Field(examples=["440305"])
    level: Level
    name: str = Field(examples=["南山区"])
    full_name: str = Field(examples=["广东省/深圳市/南山区"])
    parent: str | None = Field(description="The parent's code (none for a province)")
    path: list[DivisionRefOut] = Field(description="From the province down to this division")
    children: list[DivisionRefOut] = Field(description="Direct children, by code")
    history: list[HistoryOut] = Field(description="Former names or former uses of this code")
    predecessors: list[HistoryOut] = Field(
        description="Retired divisions whose successors include this one"
    )
