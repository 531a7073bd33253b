-- name: community_flows_lsoa
-- catchment_weight(urn, year, area, weight) for the `flows` model when the flows carry no counts of the
-- indicator (the London Schools Atlas: pupils only): the school's pupils by home LSOA, codes of either
-- vintage mapped onto the centroids' LSOAs through the crosswalk (a split LSOA's pupils shared equally),
-- joined to LSOA rates (calibrated IDACI for FSM) like the other LSOA-based models. The flows of the
-- latest year a school has are used for every year of the window (year NULL): where pupils live changes
-- slowly, and files such as the Atlas (January 2015) predate the school data.
-- Reads audit_sources, audit_flows (queries/flows_current.sql) and audit_lsoa_crosswalk. Parameters: none.
with latest as (
    select f.urn, f.lsoa, f.pupils
    from audit_flows f
    where f.urn in (select urn from audit_sources) and f.pupils > 0
    qualify f.year = max(f.year) over (partition by f.urn)
),
final as (
    select l.urn, null::integer as year, c.lsoa as area, sum(l.pupils * c.share) as weight
    from latest l join audit_lsoa_crosswalk c on c.code = l.lsoa
    group by l.urn, c.lsoa
)
select * from final
