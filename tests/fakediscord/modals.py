"""Modals (forms) as Discord checks them and as a person's client submits them.

A bot opens a modal with callback type 9; its text inputs (type 4) sit in a label (type
18, the current form) or an action row (type 1, the older one). The submit
(INTERACTION_CREATE type 5) echoes that structure with each input's ``value``.
"""

from __future__ import annotations

from tests.fakediscord.model import Json

ACTION_ROW, TEXT_INPUT, LABEL = 1, 4, 18
_TEXT_INPUT_LIMIT = 4000


def modal_errors(modal: Json) -> list[tuple[str, str]]:
    """Why Discord would refuse this modal, as (field path, reason) pairs."""
    errors: list[tuple[str, str]] = []
    if not 1 <= len(modal.get("title") or "") <= 45:
        errors.append(("data.title", "Must be between 1 and 45 in length."))
    if not 1 <= len(modal.get("custom_id") or "") <= 100:
        errors.append(("data.custom_id", "Must be between 1 and 100 in length."))
    components = modal.get("components") or []
    if not 1 <= len(components) <= 5:
        errors.append(("data.components", "Must be between 1 and 5 in length."))
    for i, component in enumerate(components):
        path = f"data.components.{i}"
        if component.get("type") == LABEL:
            if not 1 <= len(component.get("label") or "") <= 45:
                errors.append((f"{path}.label", "Must be between 1 and 45 in length."))
            if len(component.get("description") or "") > 100:
                errors.append((f"{path}.description", "Must be 100 or fewer in length."))
        for text_input in _inputs([component]):
            if int(text_input.get("max_length") or 0) > _TEXT_INPUT_LIMIT:
                errors.append((path, f"max_length must be {_TEXT_INPUT_LIMIT} or less."))
    return errors


def submission(modal: Json, values: dict[str, str]) -> Json:
    """The submit's ``data`` for ``modal`` filled in with ``values`` (by text input
    custom_id; inputs left out are sent empty, as a client sends them)."""
    inputs = {c["custom_id"] for c in _inputs(modal["components"])}
    if unknown := set(values) - inputs:
        raise ValueError(f"the modal has no text inputs {sorted(unknown)}; it has {inputs}")
    components = []
    for component in modal["components"]:
        if component.get("type") == LABEL:
            inner = component["component"]
            components.append({"type": LABEL, "component": _filled(inner, values)})
        elif component.get("type") == ACTION_ROW:
            row = [_filled(c, values) for c in component["components"]]
            components.append({"type": ACTION_ROW, "components": row})
    return {"custom_id": modal["custom_id"], "components": components}


def _inputs(components: list[Json]) -> list[Json]:
    found = []
    for component in components:
        if component.get("type") == TEXT_INPUT:
            found.append(component)
        found.extend(_inputs(component.get("components") or []))
        if isinstance(component.get("component"), dict):
            found.extend(_inputs([component["component"]]))
    return found


def _filled(component: Json, values: dict[str, str]) -> Json:
    custom_id = component["custom_id"]
    return {"type": component["type"], "custom_id": custom_id, "value": values.get(custom_id, "")}
