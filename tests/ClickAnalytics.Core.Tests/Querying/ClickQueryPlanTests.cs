using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using ClickAnalytics.Querying;

namespace ClickAnalytics.Core.Tests.Querying;

/// <summary>How a query is checked and resolved: every bad request gets its own message, ranges resolve in the query's zone.</summary>
[TestFixture]
public sealed class ClickQueryPlanTests
{
    private static readonly DateTime Now = new(2026, 3, 8, 16, 30, 0, DateTimeKind.Utc);

    private static ClickQueryPlan Plan(ClickAnalyticsQuery query) => ClickQueryPlan.Create(query, Now, maxRangeDays: 3660);

    private static readonly (string Why, ClickAnalyticsQuery Query, string Message)[] Bad =
    [
        ("unknown dimension", new() { Dimensions = ["planet"] }, "Unknown dimension 'planet'"),
        ("unknown time bucket", new() { Dimensions = ["time:fortnight"] }, "Unknown time bucket 'fortnight'"),
        ("time twice", new() { Dimensions = ["time", "time:day"] }, "Group by time once"),
        ("dimension twice", new() { Dimensions = ["country", "country"] }, "named twice"),
        ("bad custom name", new() { Dimensions = ["custom:Bad-Name"] }, "Unknown dimension 'custom:Bad-Name'"),
        ("unknown metric", new() { Metrics = ["pageviews"] }, "Unknown metric 'pageviews'"),
        ("no metric", new() { Metrics = [] }, "at least one metric"),
        ("metric twice", new() { Metrics = ["clicks", "clicks"] }, "once"),
        ("unknown zone", new() { TimeZone = "Mars/Olympus" }, "Unknown time zone 'Mars/Olympus'"),
        ("unknown preset", new() { Range = "fortnight" }, "Unknown range 'fortnight'"),
        ("two kinds of range", new() { Range = "7d", From = new DateOnly(2026, 1, 1), To = new DateOnly(2026, 1, 2) }, "one way only"),
        ("from without to", new() { From = new DateOnly(2026, 1, 1) }, "from and to go together"),
        ("start without end", new() { Start = DateTimeOffset.UnixEpoch.AddYears(50) }, "start and end go together"),
        ("reversed", new() { From = new DateOnly(2026, 2, 1), To = new DateOnly(2026, 1, 1) }, "ends (2026-01-01) before it starts (2026-02-01)"),
        ("too long", new() { From = new DateOnly(2000, 1, 1), To = new DateOnly(2026, 1, 1) }, "at most 3660 are allowed"),
        ("past the last day", new() { From = new DateOnly(9999, 12, 31), To = new DateOnly(9999, 12, 31) }, "Days must lie between 1970-01-02 and 2105-12-30"),
        ("before the first day", new() { From = DateOnly.MinValue, To = new DateOnly(1970, 1, 5) }, "Days must lie between"),
        ("instants out of range", new() { Start = DateTimeOffset.MinValue, End = DateTimeOffset.MaxValue }, "must lie between"),
        ("too many hours", new() { From = new DateOnly(2020, 1, 1), To = new DateOnly(2026, 1, 1), Dimensions = ["time:hour"] }, "more than 10000 buckets"),
        ("limit zero", new() { Limit = 0 }, "limit must be between 1 and 10000"),
        ("limit too large", new() { Limit = 10_001 }, "limit must be between 1 and 10000"),
        ("negative offset", new() { Offset = -1 }, "offset must be between"),
        ("order by an absent name", new() { OrderBy = [new QueryOrder("country")] }, "Cannot order by 'country'"),
        ("unknown comparison", new() { Compare = "lastWeek" }, "Unknown comparison 'lastWeek'"),
        ("filter on an unknown dimension", new() { Filters = [QueryFilter.Is("planet", "x")] }, "Unknown filter dimension 'planet'"),
        ("filter on time", new() { Filters = [new QueryFilter { Dimension = "time", Values = ["x"] }] }, "Time is not a filter"),
        ("filter without values", new() { Filters = [QueryFilter.In("country")] }, "needs 1 to 1000 values"),
        ("is with two values", new() { Filters = [new QueryFilter { Dimension = "country", Operator = FilterOperator.Is, Values = ["US", "DE"] }] }, "use 'in' for several"),
        ("unknown operator", new() { Filters = [new QueryFilter { Dimension = "country", Operator = (FilterOperator)42, Values = ["US"] }] }, "Unknown filter operator"),
        ("empty group", new() { Filters = [QueryFilter.AnyOf()] }, "needs at least one filter"),
        ("two forms", new() { Filters = [new QueryFilter { Dimension = "country", Values = ["US"], Any = [QueryFilter.Is("os", "iOS")] }] }, "either a dimension"),
        ("nested too deep", new() { Filters = [QueryFilter.AnyOf(QueryFilter.AnyOf(QueryFilter.AnyOf(QueryFilter.AnyOf(QueryFilter.Is("os", "x")))))] }, "nest at most 4 deep"),
    ];

    [TestCaseSource(nameof(BadCases))]
    public void A_bad_query_is_refused_with_a_message_that_says_why(string why, ClickAnalyticsQuery query, string message)
    {
        var error = Assert.Throws<InvalidClickQueryException>(() => Plan(query))!;

        Assert.That(error.Message, Does.Contain(message), why);
    }

    private static IEnumerable<TestCaseData> BadCases() => Bad.Select(b => new TestCaseData(b.Why, b.Query, b.Message).SetName("Refused: " + b.Why));

    [Test]
    public void Several_problems_are_reported_together()
    {
        var error = Assert.Throws<InvalidClickQueryException>(() => Plan(new ClickAnalyticsQuery { Dimensions = ["planet"], Metrics = ["views"], Limit = 0 }))!;

        Assert.That(error.Problems, Has.Count.EqualTo(3));
    }

    [Test]
    public void Random_queries_are_either_planned_or_refused_with_a_query_error_never_another_exception()
    {
        var random = new Random(17);
        string[] words = ["time", "time:hour", "time:week", "country", "custom:plan", "x", "", "today", "7d", "UTC", "Europe/Berlin", "clicks", "bots", "is", "previousYear"];
        for (int i = 0; i < 3000; i++)
        {
            string Pick() => words[random.Next(words.Length)];
            DateOnly? Day() => random.Next(3) == 0 ? null : DateOnly.FromDayNumber(random.Next(DateOnly.MinValue.DayNumber, DateOnly.MaxValue.DayNumber));
            var query = new ClickAnalyticsQuery
            {
                Range = random.Next(3) == 0 ? Pick() : null,
                From = Day(),
                To = Day(),
                TimeZone = Pick(),
                Dimensions = Enumerable.Range(0, random.Next(3)).Select(_ => Pick()).ToArray(),
                Metrics = Enumerable.Range(0, random.Next(3)).Select(_ => Pick()).ToArray(),
                Limit = random.Next(-5, 20_000),
                Offset = random.Next(-5, 5),
                Compare = random.Next(3) == 0 ? Pick() : null,
                Filters = random.Next(2) == 0 ? [new QueryFilter { Dimension = Pick(), Operator = (FilterOperator)random.Next(5), Values = [Pick()] }] : [],
            };
            try
            {
                Plan(query);
            }
            catch (InvalidClickQueryException)
            {
            }
            catch (Exception ex)
            {
                Assert.Fail($"{JsonSerializer.Serialize(query)} threw {ex}");
            }
        }
    }

    [TestCase("today", "2026-03-08", "2026-03-08", "hour")]
    [TestCase("yesterday", "2026-03-07", "2026-03-07", "hour")]
    [TestCase("7d", "2026-03-02", "2026-03-08", "day")]
    [TestCase("30d", "2026-02-07", "2026-03-08", "day")]
    [TestCase("month", "2026-03-01", "2026-03-08", "day")]
    [TestCase("lastMonth", "2026-02-01", "2026-02-28", "day")]
    [TestCase("12mo", "2025-04-01", "2026-03-08", "month")]
    [TestCase("year", "2026-01-01", "2026-03-08", "day")]
    public void Presets_resolve_to_local_days_and_choose_a_bucket(string preset, string from, string to, string bucket)
    {
        ClickQueryPlan plan = Plan(new ClickAnalyticsQuery { Range = preset, TimeZone = "America/New_York", Dimensions = ["time"] });

        Assert.That(
            (plan.Range.From.ToString("yyyy-MM-dd"), plan.Range.To.ToString("yyyy-MM-dd"), plan.ResultDimensions[0]),
            Is.EqualTo((from, to, "time:" + bucket)));
    }

    [Test]
    public void Today_starts_at_local_midnight_and_a_day_that_springs_forward_has_23_hours()
    {
        ClickQueryPlan plan = Plan(new ClickAnalyticsQuery { Range = "today", TimeZone = "America/New_York" });

        Assert.That(
            (plan.Range.Start, plan.Range.End - plan.Range.Start),
            Is.EqualTo((new DateTime(2026, 3, 8, 5, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(23))));
    }

    [Test]
    public void The_offsets_of_a_range_change_at_the_second_the_clocks_do()
    {
        TimeZoneInfo berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var start = new DateTime(2026, 3, 28, 0, 0, 0, DateTimeKind.Utc);

        IReadOnlyList<UtcOffsetChange> offsets = ZonedTime.Offsets(start, start.AddDays(213), berlin);

        Assert.That(offsets, Is.EqualTo(new[]
        {
            new UtcOffsetChange(start, TimeSpan.FromHours(1)),
            new UtcOffsetChange(new DateTime(2026, 3, 29, 1, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(2)),
            new UtcOffsetChange(new DateTime(2026, 10, 25, 1, 0, 0, DateTimeKind.Utc), TimeSpan.FromHours(1)),
        }));
    }

    [Test]
    public void The_comparison_of_a_range_of_days_is_the_same_number_of_days_before_or_a_year_before()
    {
        var query = new ClickAnalyticsQuery { From = new DateOnly(2028, 2, 28), To = new DateOnly(2028, 2, 29) };

        ResolvedRange previous = Plan(query with { Compare = ClickComparisons.PreviousPeriod }).ComparisonRange!.Value;
        ResolvedRange year = Plan(query with { Compare = ClickComparisons.PreviousYear }).ComparisonRange!.Value;

        Assert.That(
            (previous.From, previous.To, year.From, year.To),
            Is.EqualTo((new DateOnly(2028, 2, 26), new DateOnly(2028, 2, 27), new DateOnly(2027, 2, 28), new DateOnly(2027, 2, 28))));
    }

    [Test]
    public void The_query_parses_from_the_json_the_api_takes()
    {
        const string json = """
            {"metrics":["clicks","uniqueVisitors"],"range":"7d","timeZone":"Europe/Berlin","dimensions":["time:day","country"],
             "filters":[{"dimension":"browser","operator":"isNot","values":["Chrome"]},{"any":[{"dimension":"os","operator":"contains","values":["win"]}]}],
             "orderBy":[{"by":"clicks","descending":true}],"limit":5,"offset":5,"compare":"previousPeriod","includeBots":true}
            """;

        ClickAnalyticsQuery query = JsonSerializer.Deserialize<ClickAnalyticsQuery>(json, JsonSerializerOptions.Web)!;
        ClickQueryPlan plan = Plan(query);

        Assert.That(
            (plan.ResultDimensions.Count, query.Filters[0].Operator, query.Filters[1].Any![0].Operator, query.OrderBy[0].Descending, plan.ComparisonRange is not null, query.IncludeBots),
            Is.EqualTo((2, FilterOperator.IsNot, FilterOperator.Contains, true, true, true)));
    }
}
