//! Schedule expressions: `rate(5 minutes)` and six-field `cron(...)` as EventBridge reads
//! them. Checked here once, so every target can rely on a valid expression.

/// A checked schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub kind: ScheduleKind,
    pub timezone: Option<String>,
    /// `false`: deployed switched off.
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScheduleKind {
    /// Every `every` seconds.
    Rate { value: u64, unit: RateUnit },
    /// minutes, hours, day-of-month, month, day-of-week, year.
    Cron([String; 6]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateUnit {
    Minute,
    Hour,
    Day,
}

impl Schedule {
    /// The expression in EventBridge syntax.
    #[must_use]
    pub fn expression(&self) -> String {
        match &self.kind {
            ScheduleKind::Rate { value, unit } => {
                let word = match unit {
                    RateUnit::Minute => "minute",
                    RateUnit::Hour => "hour",
                    RateUnit::Day => "day",
                };
                let plural = if *value == 1 { "" } else { "s" };
                format!("rate({value} {word}{plural})")
            }
            ScheduleKind::Cron(fields) => format!("cron({})", fields.join(" ")),
        }
    }

    /// The schedule as a five-field Unix cron line (Knative PingSource, Kubernetes CronJob),
    /// or why it has none.
    ///
    /// # Errors
    /// A sentence saying which part has no Unix cron equivalent.
    pub fn unix_cron(&self) -> Result<String, String> {
        match &self.kind {
            ScheduleKind::Rate { value, unit } => {
                let v = *value;
                match unit {
                    RateUnit::Minute if v == 1 => Ok("* * * * *".into()),
                    RateUnit::Minute if v < 60 && 60 % v == 0 => Ok(format!("*/{v} * * * *")),
                    RateUnit::Hour if v == 1 => Ok("0 * * * *".into()),
                    RateUnit::Hour if v < 24 && 24 % v == 0 => Ok(format!("0 */{v} * * *")),
                    RateUnit::Day if v == 1 => Ok("0 0 * * *".into()),
                    _ => Err(format!(
                        "`{}` does not divide an hour or a day evenly",
                        self.expression()
                    )),
                }
            }
            ScheduleKind::Cron(f) => {
                if f[5] != "*" {
                    return Err("a cron year field other than `*`".into());
                }
                let unsupported = |s: &str| s.contains(['L', 'W', '#']);
                if unsupported(&f[2]) || unsupported(&f[4]) {
                    return Err("`L`, `W` or `#` in a cron day field".into());
                }
                let dom = if f[2] == "?" { "*" } else { &f[2] };
                // EventBridge counts days of the week 1-7 from Sunday; Unix cron 0-6.
                let dow = if f[4] == "?" {
                    "*".to_string()
                } else {
                    shift_weekdays(&f[4])
                };
                Ok(format!("{} {} {dom} {} {dow}", f[0], f[1], f[3]))
            }
        }
    }
}

fn shift_weekdays(field: &str) -> String {
    let mut out = String::new();
    let mut number = String::new();
    let flush = |number: &mut String, out: &mut String| {
        if !number.is_empty() {
            match number.parse::<u8>() {
                Ok(n) if (1..=7).contains(&n) => out.push_str(&(n - 1).to_string()),
                _ => out.push_str(number),
            }
            number.clear();
        }
    };
    let mut after_slash = false;
    for c in field.chars() {
        if c.is_ascii_digit() && !after_slash {
            number.push(c);
        } else {
            flush(&mut number, &mut out);
            if c == '/' {
                after_slash = true;
            } else if !c.is_ascii_digit() {
                after_slash = false;
            }
            out.push(c);
        }
    }
    flush(&mut number, &mut out);
    out
}

/// What is wrong with an expression: a message, a help line, and the wrong part (a slice
/// of the expression, for labels that underline it) when one part is to blame.
pub type Problem<'a> = (String, String, Option<&'a str>);

/// Parses and checks an expression.
///
/// # Errors
/// A message saying what is wrong, a help line, and the wrong part of `expression`.
pub fn parse<'a>(expression: &'a str, timezone: Option<&str>) -> Result<Schedule, Problem<'a>> {
    let expression = expression.trim();
    let kind = if let Some(inner) = strip(expression, "rate(") {
        parse_rate(inner)?
    } else if let Some(inner) = strip(expression, "cron(") {
        parse_cron(inner)?
    } else {
        return Err((
            format!("`{expression}` is not a schedule expression"),
            "write `rate(5 minutes)` or `cron(0 2 * * ? *)`".into(),
            None,
        ));
    };
    if let Some(tz) = timezone {
        let valid = tz == "UTC"
            || tz.split('/').count() >= 2
                && tz.split('/').all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
                });
        if !valid {
            return Err((
                format!("`{tz}` is not an IANA time zone name"),
                "write a zone such as `Europe/Berlin`, `America/New_York` or `UTC`".into(),
                None,
            ));
        }
    }
    Ok(Schedule {
        kind,
        timezone: timezone.map(str::to_string),
        enabled: true,
    })
}

fn strip<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.strip_prefix(prefix)?.strip_suffix(')')
}

fn parse_rate(inner: &str) -> Result<ScheduleKind, Problem<'_>> {
    let help = || {
        "write `rate(1 minute)`, `rate(5 minutes)`, `rate(2 hours)` or `rate(1 day)`".to_string()
    };
    let mut words = inner.split_whitespace();
    let (Some(value), Some(unit), None) = (words.next(), words.next(), words.next()) else {
        return Err((
            format!("`rate({inner})` needs a number and a unit"),
            help(),
            None,
        ));
    };
    let value: u64 = match value.parse() {
        Ok(v) if v > 0 => v,
        _ => {
            return Err((
                format!("`{value}` is not a positive whole number"),
                help(),
                Some(value),
            ));
        }
    };
    let unit_text = unit;
    let (unit, singular) = match unit {
        "minute" => (RateUnit::Minute, true),
        "minutes" => (RateUnit::Minute, false),
        "hour" => (RateUnit::Hour, true),
        "hours" => (RateUnit::Hour, false),
        "day" => (RateUnit::Day, true),
        "days" => (RateUnit::Day, false),
        other => {
            return Err((format!("`{other}` is not a rate unit"), help(), Some(other)));
        }
    };
    if singular != (value == 1) {
        return Err((
            format!("`rate({inner})`: use the singular unit for 1 and the plural otherwise"),
            help(),
            Some(unit_text),
        ));
    }
    Ok(ScheduleKind::Rate { value, unit })
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

fn parse_cron(inner: &str) -> Result<ScheduleKind, Problem<'_>> {
    let help = "six fields: minutes hours day-of-month month day-of-week year, with `?` in one \
                of the two day fields, for example `cron(0 2 * * ? *)`"
        .to_string();
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let Ok(fields): Result<[&str; 6], _> = fields.try_into() else {
        return Err((
            format!("`cron({inner})` does not have six fields"),
            help,
            None,
        ));
    };
    let names = [
        "minutes",
        "hours",
        "day-of-month",
        "month",
        "day-of-week",
        "year",
    ];
    let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199)];
    for (i, field) in fields.iter().enumerate() {
        let named: &[&str] = match i {
            3 => &MONTHS,
            4 => &DAYS,
            _ => &[],
        };
        if !valid_field(field, ranges[i], named, i == 2 || i == 4) {
            return Err((
                format!("`{field}` is not a valid {} field", names[i]),
                help,
                Some(field),
            ));
        }
    }
    if (fields[2] == "?") == (fields[4] == "?") {
        return Err((
            format!("`cron({inner})`: exactly one of day-of-month and day-of-week must be `?`"),
            help,
            None,
        ));
    }
    Ok(ScheduleKind::Cron(fields.map(str::to_string)))
}

fn valid_field(field: &str, (lo, hi): (u32, u32), named: &[&str], day: bool) -> bool {
    if field == "*" || day && field == "?" {
        return true;
    }
    let value = |v: &str| -> bool {
        let v = if day {
            v.trim_end_matches(['L', 'W'])
        } else {
            v
        };
        if day && v.is_empty() {
            return true; // a bare `L`
        }
        v.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
            || named.iter().any(|n| n.eq_ignore_ascii_case(v))
    };
    field.split(',').all(|item| {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (b, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step
            && !step.parse::<u32>().is_ok_and(|s| s > 0 && s <= hi)
        {
            return false;
        }
        if base == "*" {
            return step.is_some();
        }
        if day && let Some((d, nth)) = base.split_once('#') {
            return value(d) && nth.parse::<u32>().is_ok_and(|n| (1..=5).contains(&n));
        }
        match base.split_once('-') {
            Some((a, b)) => value(a) && value(b),
            None => value(base),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_rates_and_crons_that_eventbridge_accepts() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(1 day)",
            "cron(0 2 * * ? *)",
            "cron(0/15 8-17 ? * MON-FRI *)",
            "cron(0 12 L * ? 2027)",
            "cron(30 9 ? * 2#1 *)",
        ] {
            assert!(parse(ok, None).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_expressions() {
        for bad in [
            "rate(5 minute)",
            "rate(1 minutes)",
            "rate(0 hours)",
            "rate(five minutes)",
            "every day",
            "cron(0 2 * * *)",
            "cron(0 2 * * * *)",
            "cron(0 2 ? * ? *)",
            "cron(61 2 * * ? *)",
            "cron(0 24 * * ? *)",
            "cron(0 2 * 13 ? *)",
        ] {
            assert!(parse(bad, None).is_err(), "{bad}");
        }
        assert!(parse("rate(1 day)", Some("Mars Time")).is_err());
        assert!(parse("rate(1 day)", Some("Europe/Berlin")).is_ok());
    }

    #[test]
    fn converts_to_unix_cron_where_possible() {
        let unix = |e: &str| parse(e, None).unwrap().unix_cron();
        assert_eq!(unix("rate(15 minutes)").unwrap(), "*/15 * * * *");
        assert_eq!(unix("rate(1 day)").unwrap(), "0 0 * * *");
        assert_eq!(unix("cron(0 2 * * ? *)").unwrap(), "0 2 * * *");
        assert_eq!(unix("cron(0 9 ? * 2-6 *)").unwrap(), "0 9 * * 1-5");
        assert!(unix("rate(7 minutes)").is_err());
        assert!(unix("cron(0 2 * * ? 2027)").is_err());
    }
}
