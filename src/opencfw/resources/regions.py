"""The geographic regions access-control rules may name (ListRegions): fixed data, no table.

The official API answers countries (region_type 0), provinces (1) and continents (2) with the
region each lies in; opencfw answers the continents, the regions no firewall rule here can refer
to anything finer than yet.
"""

from __future__ import annotations

from msgspec import Struct

from opencfw.resources.registry import Fixed, Operation


class IpRegionResponseBodyData(Struct):
    region_id: str
    description_cn: str
    description_en: str
    region_type: int  # 0 country, 1 province, 2 continent
    superior_region_id: str | None


CONTINENTS = (
    ("AF", "非洲", "Africa"),
    ("AN", "南极洲", "Antarctica"),
    ("AS", "亚洲", "Asia"),
    ("EU", "欧洲", "Europe"),
    ("NA", "北美洲", "North America"),
    ("OA", "大洋洲", "Oceania"),
    ("SA", "南美洲", "South America"),
)

REGIONS = Fixed(
    name="region",
    operation=Operation("fixed", "GET", "/v1/{project_id}/regions", "list_regions"),
    record=IpRegionResponseBodyData,
    records=tuple(IpRegionResponseBodyData(code, cn, en, 2, None) for code, cn, en in CONTINENTS),
)
