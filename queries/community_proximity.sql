-- name: community_proximity
-- catchment_weight(urn, year, area, weight) for the `proximity` model (Allen 2007): the LSOA cohorts
-- the school would take if every child went to the nearest school with room; weight = pupils assigned.
-- Reads audit_allocation (repaudit/auditing/proximity.py) and audit_sources. Parameters: none.
with final as (
    select a.urn, null::integer as year, a.lsoa as area, a.pupils as weight
    from audit_allocation a
    where a.urn in (select urn from audit_sources) and a.pupils > 0
)
select * from final
