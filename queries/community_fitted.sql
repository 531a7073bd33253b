-- name: community_fitted
-- catchment_weight(urn, year, area, weight) for the `fitted` model: each LSOA weighted by the pupils
-- the fitted residence model predicts the school draws from it (children of the LSOA x p(school | LSOA),
-- repaudit/auditing/gravity.py), so an LSOA's children are shared among the schools of its choice set.
-- Reads audit_allocation (lsoa, urn, pupils) and audit_sources. Parameters: none.
with final as (
    select a.urn, null::integer as year, a.lsoa as area, a.pupils as weight
    from audit_allocation a
    where a.urn in (select urn from audit_sources) and a.pupils > 0
)
select * from final
