-- name: community_la
-- catchment_weight(urn, year, area, weight) for the `la` model: a school's community is every
-- same-phase state-funded mainstream pupil of its local authority (area 'la|phase', weight 1).
-- Reads audit_sources. Parameters: none.
with final as (
    select urn, null::integer as year, coalesce(la, '?') || '|' || phase as area, 1.0 as weight
    from audit_sources
)
select * from final
