-- name: lsoa_crosswalk
-- lsoa_crosswalk(code, lsoa, share): any LSOA code, 2011 or 2021, -> the LSOA(s) of the centroid vintage
-- (2021 for the ONS population-weighted centroids) through `lsoa_lookup`. A code present among the
-- centroids maps to itself; a split code maps to each part with share 1/parts; merged codes each map
-- to the merged LSOA with share 1. Counts multiply by `share`; rates average over codes.
-- Parameters: none.
with target as (
    select coalesce(mode(lsoa_vintage), 2021) as vintage from lsoa_centroids
),
centroid_codes as (select lsoa from lsoa_centroids),
forward as (                             -- 2011 codes onto 2021 centroids
    select l.lsoa11 as code, l.lsoa21 as lsoa, 1.0 / count(*) over (partition by l.lsoa11) as share
    from lsoa_lookup l
    where (select vintage from target) = 2021
      and l.lsoa21 in (select lsoa from centroid_codes)
      and l.lsoa11 not in (select lsoa from centroid_codes)
),
backward as (                            -- 2021 codes onto 2011 centroids
    select l.lsoa21 as code, l.lsoa11 as lsoa, 1.0 / count(*) over (partition by l.lsoa21) as share
    from lsoa_lookup l
    where (select vintage from target) = 2011
      and l.lsoa11 in (select lsoa from centroid_codes)
      and l.lsoa21 not in (select lsoa from centroid_codes)
),
final as (
    select lsoa as code, lsoa, 1.0 as share from centroid_codes
    union all select * from forward
    union all select * from backward
)
select * from final
