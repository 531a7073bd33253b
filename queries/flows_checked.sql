-- name: flows_checked
-- Every row of a residence-flows file, typed and checked: flows_checked(line, urn, lsoa, year, pupils, fsm,
-- sen, cin, fsm_token, sen_token, cin_token, reason, raw). `reason` is NULL for a usable row, else the first
-- problem found (the same rules as the csv-module loaders: numbers may carry thousands separators ('1,296'); a
-- suppression token in fsm/sen/cin leaves the count NULL and is returned lower-cased in <column>_token;
-- pupils must be a whole number of 0 to $limit; fsm, sen and cin whole, at most pupils; a repeated (urn, lsoa, year) names the row of its first occurrence).
-- Input: relation _raw(line, overflow, urn, lsoa, year, pupils, fsm, sen, cin): text cells (NULL = column
-- absent) and `overflow`, the number of non-empty values a row had beyond the header's columns.
-- Parameters: $year (INTEGER, used when _raw.year is NULL), $tokens (VARCHAR[], suppression tokens, lower case),
-- $width (INTEGER, the number of columns in the file's header), $limit (DOUBLE, the most pupils one flow may
-- hold) and $limit_why (VARCHAR, the reason's tail naming that limit), from plausibility.FLOW_PUPILS;
-- $thousands (VARCHAR, the regular expression of a number with thousands separators, reader.THOUSANDS).
with cells as (
    select line, overflow, urn, lsoa as lsoa_cell, year as year_cell, pupils as pupils_cell, fsm as fsm_cell,
           sen as sen_cell, cin as cin_cell,
           trim(urn) as urn_text, upper(regexp_replace(lsoa, '\s+', '', 'g')) as lsoa, trim(year) as year_text,
           trim(pupils) as pupils_text, trim(fsm) as fsm_text, trim(sen) as sen_text, trim(cin) as cin_text
    from _raw
),
typed as (
    select *,
           try_cast(case when regexp_full_match(urn_text, $thousands) then replace(urn_text, ',', '') else urn_text end as double) as urn_number,
           case
               when year_text is null then cast($year as integer)
               when length(year_text) = 4 then try_cast(year_text as integer)
               when length(year_text) = 6 then try_cast(left(year_text, 4) as integer)
               when regexp_full_match(year_text, '\d{4}\s*[/-]\s*\d{2,4}') then try_cast(left(year_text, 4) as integer)
               else try_cast(year_text as integer)
           end as year,
           try_cast(case when regexp_full_match(pupils_text, $thousands) then replace(pupils_text, ',', '') else pupils_text end as double) as pupils,
           try_cast(case when regexp_full_match(fsm_text, $thousands) then replace(fsm_text, ',', '') else fsm_text end as double) as fsm,
           try_cast(case when regexp_full_match(sen_text, $thousands) then replace(sen_text, ',', '') else sen_text end as double) as sen,
           try_cast(case when regexp_full_match(cin_text, $thousands) then replace(cin_text, ',', '') else cin_text end as double) as cin
    from cells
),
tokens as (
    select *,
           case when fsm is null and list_contains($tokens, lower(fsm_text)) then lower(fsm_text) end as fsm_token,
           case when sen is null and list_contains($tokens, lower(sen_text)) then lower(sen_text) end as sen_token,
           case when cin is null and list_contains($tokens, lower(cin_text)) then lower(cin_text) end as cin_token
    from typed
),
checked as (
    select *,
           case
               when overflow > 0 then overflow || ' value' || (case when overflow > 1 then 's' else '' end)
                   || ' beyond the header''s ' || $width || ' columns (a value may contain an unquoted comma)'
               when urn_text = '' then 'URN is empty'
               when urn_number is null or urn_number <= 0 or urn_number <> floor(urn_number) or urn_number > 2147483647
                   then 'URN ''' || urn_text || ''' is not a number'
               when not regexp_full_match(lsoa, '[EW]01[0-9]{6}')
                   then '''' || lsoa || ''' is not an LSOA code (E01/W01 + 6 digits)'
               when year is null or year < 1990 or year > 2100
                   then 'year ''' || year_text || ''' is not a year such as 2022, 2022/23 or 202223'
               when pupils is null and list_contains($tokens, lower(pupils_text))
                   then 'pupils ''' || pupils_text || ''' is a suppression code: a flow needs its pupil count'
               when pupils is null then 'pupils ''' || pupils_text || ''' is not a number'
               when pupils < 0 then 'pupils ' || pupils_text || ' is negative: a count cannot be below 0'
               when pupils <> floor(pupils) then 'pupils ' || pupils_text || ' is not a whole number of people'
               when pupils > $limit then 'pupils ' || pupils_text || $limit_why
               when fsm is null and fsm_text is not null and fsm_token is null
                   then 'fsm ''' || fsm_text || ''' is not a number or a suppression code'
               when sen is null and sen_text is not null and sen_token is null
                   then 'sen ''' || sen_text || ''' is not a number or a suppression code'
               when cin is null and cin_text is not null and cin_token is null
                   then 'cin ''' || cin_text || ''' is not a number or a suppression code'
               when fsm < 0 or sen < 0 or cin < 0 then 'a count of fsm, sen or cin is negative'
               when fsm <> floor(fsm) or sen <> floor(sen) or cin <> floor(cin)
                   then 'a count of fsm, sen or cin is not a whole number of people'
               when fsm > pupils then 'fsm ' || fsm_text || ' is more than pupils ' || pupils_text
               when sen > pupils then 'sen ' || sen_text || ' is more than pupils ' || pupils_text
               when cin > pupils then 'cin ' || cin_text || ' is more than pupils ' || pupils_text
           end as problem
    from tokens
),
repeated as (
    select cast(urn_number as integer) as urn, lsoa, year, min(line) as first_line
    from checked
    where problem is null
    group by all
    having count(*) > 1
),
final as (
    select c.line, try_cast(c.urn_number as integer) as urn, c.lsoa, c.year, c.pupils, c.fsm, c.sen, c.cin,
           c.fsm_token, c.sen_token, c.cin_token, reason,
           case when reason is not null
                then concat_ws(',', c.urn, c.lsoa_cell, c.year_cell, c.pupils_cell, c.fsm_cell, c.sen_cell, c.cin_cell)
           end as raw
    from (
        select c.*,
               coalesce(c.problem,
                        case when r.first_line < c.line
                             then 'duplicate URN, LSOA and year ' || r.urn || ', ' || c.lsoa || ', ' || c.year
                                  || ' (first on row ' || r.first_line || ')' end) as reason
        from checked c
        left join repeated r
          on c.problem is null and r.urn = cast(c.urn_number as integer) and r.lsoa = c.lsoa and r.year = c.year
    ) c
)
select * from final
