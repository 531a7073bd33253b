-- name: nearest_pairs
-- nearest_pairs(src, tgt, dist, weight, cum_before, total_within, complete): for every source still
-- pending (`np_pending`: src, grp, easting, northing, need, max_dist), the targets (`np_targets`: tgt,
-- grp, easting, northing, weight) of the same group within $radius metres, nearest first, with the
-- weight (or, with $count_mode, the number of targets) accumulated before each one. A source is
-- `complete` once the radius covers its need (k targets or a weight total) or its max_dist.
-- Candidates come from a grid join (cells of $radius metres, 3 x 3 cells around the source), so
-- the cost grows with the pairs within the radius, not with sources x targets.
-- Parameters: $radius (metres), $count_mode (true: need counts targets; false: need sums weight).
with sources as (
    select p.*, floor(p.easting / $radius)::bigint + o.dx as cx, floor(p.northing / $radius)::bigint + o.dy as cy
    from np_pending p, (select * from range(-1, 2) a(dx), range(-1, 2) b(dy)) o
),
targets as (
    select *, floor(easting / $radius)::bigint as cx, floor(northing / $radius)::bigint as cy from np_targets
),
candidates as (
    select s.src, t.tgt, t.weight, s.need, s.max_dist,
           sqrt((s.easting - t.easting) ^ 2 + (s.northing - t.northing) ^ 2) as dist
    from sources s join targets t on t.grp = s.grp and t.cx = s.cx and t.cy = s.cy
),
within as (
    select * from candidates where dist <= least($radius, max_dist)
),
accumulated as (                        -- counting is a row number; weights need a running sum
    select *,
        case when $count_mode
             then row_number() over (partition by src order by dist, tgt) - 1.0
             else coalesce(sum(weight) over (partition by src order by dist, tgt
                                             rows between unbounded preceding and 1 preceding), 0)
        end as cum_before,
        case when $count_mode then count(*) over (partition by src) else sum(weight) over (partition by src)
        end as total_within
    from within
),
final as (
    select src, tgt, dist, weight, cum_before, total_within,
           $radius >= max_dist or (need is not null and total_within >= need) as complete,
           need
    from accumulated
)
select * from final
