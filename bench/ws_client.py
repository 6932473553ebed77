"""A minimal Streamlit websocket client: what a browser tab sends and receives, without a browser.

Used by bench/bench_load.py and the hosting test. It opens /_stcore/stream (subprotocol
"streamlit"), asks for a page run (BackMsg.rerun_script) and reads ForwardMsgs until the script
finishes, counting bytes; then it can change a selectbox by key (the widget id ends with the key)
and time that rerun. Loopback only: the URL must be http://127.0.0.1:<port>.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


@dataclass
class Run:
    seconds: float
    bytes: int
    messages: int
    exception: str = ""


@dataclass
class Session:
    """One websocket session on one page; selectboxes seen by key -> (widget id, option labels, chosen index)."""

    ws: object
    page_name: str
    selectboxes: dict[str, tuple[str, list[str], int]] = field(default_factory=dict)
    widget_states: dict[str, WidgetState] = field(default_factory=dict)

    async def rerun(self, timeout: float = 120) -> Run:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_name = self.page_name
        msg.rerun_script.widget_states.widgets.extend(self.widget_states.values())
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        total, count, exception = 0, 0, ""
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout)
            total += len(raw)
            count += 1
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._note_element(fwd)
                element = fwd.delta.new_element
                if fwd.delta.WhichOneof("type") == "new_element" and element.WhichOneof("type") == "exception":
                    exception = element.exception.message or element.exception.type or "exception"
            elif kind == "script_finished":
                return Run(time.perf_counter() - started, total, count, exception)

    def _note_element(self, fwd: ForwardMsg) -> None:
        if fwd.delta.WhichOneof("type") != "new_element":
            return
        element = fwd.delta.new_element
        if element.WhichOneof("type") == "selectbox":
            box = element.selectbox
            key = box.id.rsplit("-", 1)[-1]
            self.selectboxes[key] = (box.id, list(box.options), box.default if box.HasField("default") else 0)

    async def choose(self, key: str, label_has: str = "") -> Run:
        """Pick another option of the selectbox with this key (the first other one whose label holds
        `label_has`) and rerun."""
        widget_id, options, current = self.selectboxes[key]
        index = next(i for i, o in enumerate(options) if i != current and label_has in o)
        state = WidgetState(id=widget_id)
        state.string_value = options[index]
        self.widget_states[key] = state
        return await self.rerun()


async def open_session(url: str, page_name: str = "", headers: dict | None = None):
    """A connected Session (use as `async with connect(...) as ws` via open_session's return)."""
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("the bench talks to loopback servers only")
    ws = await websockets.connect(f"ws://{parsed.netloc}/_stcore/stream", subprotocols=["streamlit"],
                                  additional_headers=headers or {}, max_size=64 * 1024 * 1024, open_timeout=60)
    return Session(ws, page_name)
