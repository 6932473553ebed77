"""OS Code-Point Open: postcode -> location, for 'find my area by postcode'."""

from __future__ import annotations

import pandas as pd

from geo.points import assign_to_polygons, to_lonlat
from sna.build.context import BuildContext
from sna.errors import SourceError

COLUMNS = ["PC", "PQ", "EA", "NO", "CY", "RH", "LH", "CC", "DC", "WC"]  # DOC_Code-Point_Open_Column_Headers.csv


def normalise(postcode: str) -> str:
    """'b1 1ay ' -> 'B11AY': the key postcodes are stored and searched by."""
    return "".join(str(postcode).split()).upper()


def _keys(postcodes: pd.Series) -> tuple[pd.Series, pd.Series]:
    """normalise() and the display form (whitespace runs as one space) of every postcode: with Arrow's string
    kernels where the text is plain ASCII (Code-Point's is), where they give exactly Python's result; else in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(postcodes.to_numpy(dtype=object), type=pa.string(), from_pandas=True) if postcodes.dtype == object else None
    if text is None or text.null_count or not pc.all(pc.string_is_ascii(text)).as_py():
        return postcodes.map(normalise), postcodes.str.split().str.join(" ")
    spaces = r"[ \t\n\r\x0b\x0c\x1c-\x1f]+"  # the ASCII whitespace str.split() splits on
    key = pc.utf8_upper(pc.replace_substring_regex(text, spaces, ""))
    display = pc.utf8_trim(pc.replace_substring_regex(text, spaces, " "), " ")
    return (pd.Series(key.to_numpy(zero_copy_only=False), index=postcodes.index, dtype=object),
            pd.Series(display.to_numpy(zero_copy_only=False), index=postcodes.index, dtype=object))


def read_codepoint(path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, header=None, names=COLUMNS, dtype={"PC": str, "DC": str}, usecols=["PC", "PQ", "EA", "NO", "DC"])
    except (pd.errors.ParserError, ValueError) as exc:
        raise SourceError(f"{path} is not a Code-Point Open CSV ({exc}). Fetch it again.") from exc
    if frame["EA"].dtype.kind not in "if":
        raise SourceError(f"{path}: eastings are not numbers; is this a Code-Point Open file (no header row)?")
    return frame


def build_postcodes(ctx: BuildContext) -> None:
    frames = []
    for source_id in ctx.area.postcode_sources:
        raw = read_codepoint(ctx.source_path(source_id))
        kept = raw[raw["DC"].isin(ctx.area.lad_codes) & (raw["EA"] > 0)]
        ctx.record("postcodes", source_id, len(raw), len(kept))
        frames.append(kept)
    if not frames:
        ctx.write("postcodes", pd.DataFrame({"postcode": pd.Series(dtype=str), "display": pd.Series(dtype=str), "lon": pd.Series(dtype=float),
                                             "lat": pd.Series(dtype=float), "lad_code": pd.Series(dtype=str), "lsoa11_code": pd.Series(dtype=str)}))
        return
    raw = pd.concat(frames, ignore_index=True)
    lon, lat = to_lonlat(raw["EA"].to_numpy(), raw["NO"].to_numpy())
    postcode, display = _keys(raw["PC"])
    out = pd.DataFrame({"postcode": postcode, "display": display, "lon": lon, "lat": lat, "lad_code": raw["DC"]})
    out["lsoa11_code"] = assign_to_polygons(out["lon"], out["lat"], ctx.frames["geo11"]).to_numpy()
    ctx.write("postcodes", out.drop_duplicates("postcode"))
