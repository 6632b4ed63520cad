"""Query parameter types shared by the read routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator, StringConstraints

from rules.model import as_utc, parse_timestamp

UtcTime = Annotated[datetime, BeforeValidator(parse_timestamp), AfterValidator(as_utc)]
TimeFrom = Annotated[UtcTime | None, Query(alias="from", description="RFC 3339 or epoch ms")]
TimeTo = Annotated[UtcTime | None, Query(alias="to", description="RFC 3339 or epoch ms")]

# Text a database can store: no NUL characters, a bounded length.
Text = Annotated[str, StringConstraints(pattern=r"^[^\x00]*$", max_length=256)]
SessionIdPath = Annotated[Text, Path(description="The client-chosen session id.")]
RunIdPath = Annotated[int, Path(ge=1, le=2**31 - 1, description="A run id.")]
