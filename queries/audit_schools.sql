-- name: audit_schools
-- One row per input school: every URN in `schools` (GIAS) or `school_census` (SPC), with its attributes
-- taken from GIAS first, the latest census row second and, for a new URN the census has not seen yet,
-- its predecessor's census row (admissions policy, religious character, region) and, for a school
-- with no roll or capacity of its own, its predecessors' (so a converted school keeps its places in
-- the proximity model and its roll in the residential reach); its audit phase,
-- whether it is selective, has a religious character or is single-sex (GIAS Gender, else the census
-- sex of school), its trust or LA-maintained comparison group
-- (the GIAS trust code: from GIAS itself, else the group links, else the code of the academy trust whose
-- name, in any group-links vintage, is the census trust name; 'name:' + that name only for a trust
-- GIAS group links do not know, so one trust is one key),
-- and `scope_reason` (NULL for a state-funded mainstream primary or secondary school the audit covers;
-- otherwise why not).
-- Entry: a secondary school that admits no Year 7 is outside the default scope,
-- with `non_entry_reason` naming the rule: a 16-19 school (type, statutory low age 16+, or no pupils below
-- Year 12 in the census), a university technical college or studio school (no local admission: they
-- recruit across a sub-region, mostly at 14), or any school whose entry is at 14 (statutory low age 14-15
-- or no pupils below Year 10). Upper schools of three-tier areas (entry at 13, Year 9) keep their local
-- admission and are audited; middle schools stay in the phase DfE gives them; primary schools without a
-- reception class (junior schools, entry at Year 3) admit at their area's transfer point and are audited.
-- repaudit/auditing/scope.py lets `include_non_entry` audit them.
-- Comparable schools only: a mainstream school with pupils in only one or two of the year groups Reception
-- to Year 11 (a new school growing in: its intake is one or two cohorts, not the whole-school rate the
-- community is measured against) and a state boarding school (boarders at least a quarter of pupils: its
-- admissions are national) are excluded with the rule named (`new_school_reason`, `boarding_reason`, text
-- beginning 'not comparable:'), unless `include` names them; their own counts still enter area figures.
-- Hospital, special and AP schools are outside scope: their intake is not local by law.
-- Parameters: none.
with census as (
    select *, lower(regexp_replace(trim(trust_name), '\s+', ' ', 'g')) as trust_key from school_census
    qualify row_number() over (partition by urn order by year desc) = 1
),
academy_trust as (                       -- GIAS group links: the school's academy trust, if any
    select urn, group_uid as trust_code, group_name as trust_name
    from trust_membership
    where group_type in ('Multi-academy trust', 'Single-academy trust')
      and coalesce(group_status, 'Open') not ilike 'closed%'
    qualify row_number() over (partition by urn order by joined_date desc nulls last, group_uid) = 1
),
trust_codes_by_name as (                 -- GIAS trust codes by name, across every group-links vintage loaded
    select name_key, group_uid, group_name from (
        select lower(regexp_replace(trim(group_name), '\s+', ' ', 'g')) as name_key, group_uid,
               max(group_name) as group_name, count(*) as schools
        from trust_membership
        where group_type in ('Multi-academy trust', 'Single-academy trust') and group_name is not null
        group by all
    )
    qualify row_number() over (partition by name_key order by schools desc, group_uid) = 1
),
successors as (                          -- URNs another school took over from (GIAS links)
    select link_urn as urn, min(urn) as successor from school_links
    where link_type ilike 'predecessor%' and link_type not ilike '%split%' group by link_urn
    union all
    select urn, min(link_urn) from school_links
    where link_type ilike 'successor%' and link_type not ilike '%split%' group by urn
),
successor as (select urn, min(successor) as successor from successors group by urn),
predecessor_census as (                  -- a new URN (e.g. a 2024 academy conversion) with no census row
    select s.successor as urn, c.admissions_policy, c.religious_character, c.region, c.lad_code,
           c.youngest_year_group, c.sex_of_school
    from successor s join census c on c.urn = s.urn
    qualify row_number() over (partition by s.successor order by c.year desc, c.urn) = 1
),
predecessor_size as (                    -- its predecessors' pupils and capacity (merged ones summed)
    select s.successor as urn, sum(coalesce(c.pupils, g.pupils)) as roll, sum(g.capacity) as capacity
    from successor s left join census c on c.urn = s.urn left join schools g on g.urn = s.urn
    group by s.successor
),
joined as (
    select
        coalesce(g.urn, c.urn) as urn,
        coalesce(g.name, c.name) as name,
        coalesce(g.la_code, c.la_code) as la,
        coalesce(g.la_name, c.la_name) as la_name,
        coalesce(g.lad_code, c.lad_code, pc.lad_code) as lad_code,
        coalesce(g.region, c.region, pc.region) as region,
        coalesce(g.type, c.type) as type,
        g.type_group,
        c.phase_type_grouping,
        g.phase as gias_phase,
        g.status,
        g.close_date,
        g.urn is not null as in_gias,
        coalesce(nullif(trim(g.admissions_policy), ''), c.admissions_policy, pc.admissions_policy)
            as admissions_policy,
        coalesce(nullif(trim(g.religious_character), ''), c.religious_character, pc.religious_character)
            as religious_character,
        coalesce(nullif(trim(g.gender), ''), c.sex_of_school, pc.sex_of_school) as gender,
        g.statutory_low_age,
        coalesce(c.youngest_year_group, pc.youngest_year_group) as youngest_year_group,
        c.year_groups, c.boarders, c.pupils as census_pupils, coalesce(c.hospital_school, false) as hospital_school,
        c.open_date,
        coalesce(g.pupils, c.pupils, ps.roll) as roll,
        coalesce(g.capacity, ps.capacity) as capacity,
        case when g.easting is null or g.northing is null or (g.easting = 0 and g.northing = 0) then null
             else g.easting end as easting,             -- GIAS writes 0,0 or blanks for "no location"
        case when g.easting is null or g.northing is null or (g.easting = 0 and g.northing = 0) then null
             else g.northing end as northing,
        g.lsoa,
        coalesce(g.trust_code, t.trust_code, tn.group_uid,
                 case when nullif(c.trust_key, '') is not null then 'name:' || c.trust_key end)
            as academy_trust_code,
        coalesce(g.trust_name, t.trust_name, tn.group_name, nullif(trim(c.trust_name), '')) as academy_trust_name,
        s.successor
    from schools g
    full outer join census c on c.urn = g.urn
    left join academy_trust t on t.urn = coalesce(g.urn, c.urn)
    left join trust_codes_by_name tn on tn.name_key = c.trust_key
    left join successor s on s.urn = coalesce(g.urn, c.urn)
    left join predecessor_census pc on pc.urn = coalesce(g.urn, c.urn)
    left join predecessor_size ps on ps.urn = coalesce(g.urn, c.urn)
),
classified as (
    select *,
        case
            when phase_type_grouping = 'State-funded primary' then 'primary'
            when phase_type_grouping = 'State-funded secondary' then 'secondary'
            when gias_phase in ('Primary', 'Middle deemed primary') then 'primary'
            when gias_phase in ('Secondary', 'Middle deemed secondary', 'All-through') then 'secondary'
            when gias_phase = 'Nursery' or phase_type_grouping = 'State-funded nursery' then 'nursery'
            when gias_phase = '16 plus' then '16 plus'
            else 'not applicable'
        end as phase,
        case
            when phase_type_grouping in ('State-funded primary', 'State-funded secondary') then 'mainstream'
            when phase_type_grouping = 'Independent school' or type_group = 'Independent schools'
                 or type ilike '%independent%' then 'independent'
            when phase_type_grouping ilike '%special%' or type_group = 'Special schools'
                 or type ilike '%special%' then 'special'
            when phase_type_grouping in ('State-funded AP school', 'Pupil referral unit')
                 or type = 'Pupil referral unit' or type ilike '%alternative provision%' then 'ap'
            when type_group in ('Welsh schools', 'Colleges', 'Universities', 'Other types', 'Online provider')
                 or type in ('Welsh establishment', 'Further education', 'Sixth form centres',
                             'Higher education institutions', 'Offshore schools', 'British schools overseas',
                             'Secure units', 'Service children''s education', 'Miscellaneous', 'Online provider',
                             'Institution funded by other government department') then 'other'
            else 'mainstream'
        end as kind
    from joined
),
entry as (                               -- secondary schools that admit no Year 7 (see the header)
    select *,
        case when phase <> 'secondary' then null
             when type ilike '%16 to 19%' or type ilike '%16-19%' or statutory_low_age >= 16
                  or youngest_year_group >= 12
                 then 'no Year 7 entry: 16-19 school (rule: 16-19 type, statutory low age 16 or more, '
                      || 'or no pupils below Year 12)'
             when type in ('University technical college', 'Studio schools')
                 then 'no local admission: university technical college or studio school (rule: type; '
                      || 'recruits across a sub-region, mostly at 14)'
             when statutory_low_age in (14, 15) or youngest_year_group in (10, 11)
                 then 'no Year 7 entry: entry at 14 (rule: statutory low age 14 or 15, or no pupils '
                      || 'below Year 10)'
        end as non_entry_reason,
        case when phase not in ('primary', 'secondary') or kind <> 'mainstream' then null
             when year_groups between 1 and 2
                 then 'not comparable: new school growing in (or one closing year by year), pupils in only one or '
                      || 'two of the year groups Reception to Year 11 (rule: 2 or fewer year groups with pupils in '
                      || 'the latest census)'
        end as new_school_reason,
        case when phase not in ('primary', 'secondary') or kind <> 'mainstream' then null
             when boarders >= 0.25 * census_pupils and census_pupils > 0
                 then 'not comparable: state boarding school, admissions are national (rule: boarders at least '
                      || 'a quarter of pupils in the latest census)'
        end as boarding_reason
    from classified
),
final as (
    select
        urn, name, la, la_name, lad_code,
        coalesce(region, mode(region) over (partition by la)) as region,
        type, type_group, phase, kind, roll, capacity, easting, northing, lsoa,
        coalesce(admissions_policy ilike 'selective', false) as selective,
        coalesce(religious_character is not null and trim(religious_character) <> ''
                 and lower(trim(religious_character)) not in
                     ('none', 'does not apply', 'no religious character', 'not applicable', 'unknown'),
                 false) as faith,
        coalesce(lower(trim(gender)) in ('boys', 'girls'), false) as single_sex,
        admissions_policy, religious_character,
        kind = 'mainstream' and (type_group = 'Local authority maintained schools'
            or type in ('Community school', 'Voluntary aided school', 'Voluntary controlled school',
                        'Foundation school')) as la_maintained,
        successor,
        case
            when status ilike 'closed%' or close_date <= current_date then 'closed'
            when successor is not null and coalesce(status, '') not ilike 'open%' then 'closed'
            when status ilike 'proposed to open%' then 'not yet open'
            when kind = 'independent' then 'independent school (outside scope)'
            when hospital_school then 'hospital school (outside scope: intake not local by law, pupils are '
                                      || 'placed while in hospital; rule: census hospital_school)'
            when kind = 'special' then 'special school (outside scope: intake not local by law, places are named '
                                       || 'in EHC plans; rule: special school type)'
            when kind = 'ap' then 'alternative provision (outside scope: intake not local by law, pupils are placed '
                                  || 'by the LA or schools; rule: AP or pupil referral unit type)'
            when kind = 'other' then 'not a state-funded school in England (outside scope)'
            when phase = 'nursery' then 'nursery school (outside scope)'
            when phase = '16 plus' then '16 plus (outside scope)'
            when phase not in ('primary', 'secondary') then 'phase not primary or secondary (outside scope)'
            else coalesce(non_entry_reason, new_school_reason, boarding_reason)
        end as scope_reason,
        non_entry_reason, new_school_reason, boarding_reason, statutory_low_age, youngest_year_group,
        year_groups, boarders, open_date,
        academy_trust_code, academy_trust_name, in_gias
    from entry
)
select
    * exclude (academy_trust_code, academy_trust_name),
    case when la_maintained then null else academy_trust_code end as trust_code,
    case when la_maintained then null else academy_trust_name end as trust,
    case when la_maintained then 'LA-' || coalesce(la, '?') else academy_trust_code end as group_code,
    case when la_maintained then 'LA maintained: ' || coalesce(la_name, la, '?') else academy_trust_name end
        as group_name
from final
