using System;
using System.Collections.Generic;
using System.Linq;

namespace ClickAnalytics.Testing.Querying;

/// <summary>
/// A fixed, realistic dataset for the query contract: skewed links, tenants, countries, browsers,
/// referers and campaigns; visitors that click several times a day and get a new id every UTC day;
/// bots, repeats, QR scans, prefetches and previews; a custom dimension; values with quotes,
/// backslashes and non-ASCII letters. Its days straddle the clock changes of New York (8 March and
/// 1 November 2026) and Berlin (29 March and 25 October 2026), with clicks packed around the
/// changes, so day and hour buckets in both zones are tested where they are hardest.
/// </summary>
public static class QueryClicks
{
    /// <summary>The days clicks happen on (UTC).</summary>
    public static readonly DateOnly[] Days =
    [
        new(2026, 3, 6), new(2026, 3, 7), new(2026, 3, 8), new(2026, 3, 9),
        new(2026, 3, 28), new(2026, 3, 29), new(2026, 3, 30),
        new(2026, 10, 24), new(2026, 10, 25), new(2026, 10, 26),
        new(2026, 10, 31), new(2026, 11, 1), new(2026, 11, 2),
    ];

    /// <summary>The custom dimension the dataset sets on some clicks.</summary>
    public const string CustomDimension = "plan";

    private static readonly (string Continent, string Country, string Region, string City)[] Places =
    [
        ("NA", "US", "US-NY", "New York"), ("EU", "DE", "DE-BE", "Berlin"), ("NA", "US", "US-CA", "San Francisco"),
        ("EU", "GB", "GB-ENG", "London"), ("EU", "FR", "FR-IDF", "Paris"), ("EU", "CH", "CH-ZH", "Zürich"),
        ("SA", "BR", "BR-SP", "São Paulo"), ("AS", "IN", "IN-MH", "Mumbai"), ("AS", "JP", "JP-13", "東京都"),
        ("", "", "", ""), ("EU", "IE", "IE-D", "Dún Laoghaire"), ("OC", "AU", "AU-NSW", "O'Connell"),
    ];

    private static readonly (string Browser, string Os, string Device)[] Agents =
    [
        ("Chrome", "Windows", "desktop"), ("Mobile Safari", "iOS", "mobile"), ("Chrome Mobile", "Android", "mobile"),
        ("Firefox", "Linux", "desktop"), ("Safari", "Mac OS X", "desktop"), ("Edge", "Windows", "desktop"),
        ("Samsung Internet", "Android", "tablet"), ("Other", "Other", "unknown"),
    ];

    private static readonly (string Host, string Medium, string Source)[] Referers =
    [
        ("", "direct", ""), ("www.google.com", "search", "Google"), ("t.co", "social", "Twitter"),
        ("www.facebook.com", "social", "Facebook"), ("mail.google.com", "email", "Gmail"), ("news.ycombinator.com", "unknown", ""),
        ("www.bing.com", "search", "Bing"), ("example.org", "unknown", ""),
    ];

    private static readonly (string Source, string Medium, string Campaign, string Term, string Content)[] Campaigns =
    [
        ("", "", "", "", ""), ("newsletter", "email", "spring-sale", "", "header"), ("google", "cpc", "brand", "short links", ""),
        ("twitter", "social", "launch", "", "thread 1"), ("newsletter", "email", "autumn \\ sale", "", ""), ("partner", "referral", "o'reilly", "api", "banner b"),
    ];

    private static readonly string[] Languages = ["en-US", "de-DE", "en-GB", "fr-FR", "pt-BR", "ja-JP", ""];

    private static readonly string?[] Tenants = ["acme", "acme", "acme", "globex", "globex", "initech", null];

    private static readonly string[] Links = ["home", "pricing", "blog-1", "blog-2", "docs", "careers", "press", "legal", "o'brien", "ünïcode"];

    /// <summary>The dataset: <paramref name="count"/> clicks from a seed, in roughly the order a buffer hands them over.</summary>
    public static List<EnrichedClick> Dataset(int seed = 20260308, int count = 4_000)
    {
        var random = new Random(seed);
        var clicks = new List<EnrichedClick>(count);
        // A visitor clicks a few times on the same day: a pool of people, each with a stable place and agent.
        var people = Enumerable.Range(0, 400).Select(p => (
            Place: Places[Skewed(random, Places.Length)],
            Agent: Agents[Skewed(random, Agents.Length)],
            Language: Languages[Skewed(random, Languages.Length)],
            Id: p)).ToArray();
        for (int i = 0; i < count; i++)
        {
            DateOnly day = Days[random.Next(Days.Length)];
            // Half of the clicks in the six hours around 02:00 UTC-ish, where New York's and Berlin's clocks change.
            DateTime midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            DateTimeOffset at = (i % 4) switch
            {
                0 => new DateTimeOffset(midnight.AddSeconds(random.Next(0, 4 * 3600)), TimeSpan.Zero),
                1 => new DateTimeOffset(midnight.AddHours(4).AddSeconds(random.Next(0, 4 * 3600)), TimeSpan.Zero),
                _ => new DateTimeOffset(midnight.AddMilliseconds(random.NextInt64(86_400_000)), TimeSpan.Zero),
            };
            if (i % 211 == 0)
            {
                at = new DateTimeOffset(midnight, TimeSpan.Zero);
            }
            else if (i % 211 == 1)
            {
                at = new DateTimeOffset(midnight.AddDays(1).AddMilliseconds(-1), TimeSpan.Zero);
            }

            var person = people[random.Next(1 + random.Next(people.Length))];
            var referer = Referers[Skewed(random, Referers.Length)];
            var campaign = random.Next(3) == 0 ? Campaigns[1 + Skewed(random, Campaigns.Length - 1)] : Campaigns[0];
            bool bot = random.Next(12) == 0;
            string botClass = bot ? (random.Next(2) == 0 ? BotClass.LinkPreview : BotClass.Crawler) : BotClass.Human;
            ClickFlags flags = random.Next(15) switch
            {
                0 => ClickFlags.QrCode,
                1 => ClickFlags.Prefetch,
                2 => ClickFlags.HeadRequest,
                _ => ClickFlags.None,
            };
            var click = new EnrichedClick(new ClickEvent
            {
                EventId = ClickEventId.NewId(at),
                Timestamp = at,
                LinkId = Links[Skewed(random, Links.Length)],
                TenantId = Tenants[Skewed(random, Tenants.Length)],
                UserAgent = bot ? "Slackbot-LinkExpanding 1.0" : "Mozilla/5.0 " + person.Agent.Browser,
                Referer = referer.Host.Length == 0 ? null : "https://" + referer.Host + "/",
                Flags = flags,
            })
            {
                BrowserFamily = bot ? "Slackbot" : person.Agent.Browser,
                OsFamily = bot ? "Other" : person.Agent.Os,
                DeviceType = bot ? DeviceType.Bot : person.Agent.Device,
                IsBot = bot,
                BotClass = botClass,
                Continent = person.Place.Continent,
                Country = person.Place.Country,
                Region = person.Place.Region,
                City = person.Place.City,
                RefererHost = referer.Host,
                RefererMedium = referer.Medium,
                RefererSource = referer.Source,
                UtmSource = campaign.Source,
                UtmMedium = campaign.Medium,
                UtmCampaign = campaign.Campaign,
                UtmTerm = campaign.Term,
                UtmContent = campaign.Content,
                Language = person.Language,
                // A new id every UTC day; one in twenty clicks has none (the visitor stage was off).
                VisitorId = i % 20 == 7 ? "" : $"v{person.Id}-{day:yyyyMMdd}",
                IsRepeat = random.Next(10) == 0,
            };
            if (random.Next(4) == 0)
            {
                click.SetDimension(CustomDimension, random.Next(3) switch { 0 => "pro", 1 => "free", _ => "team \"plus\"" });
            }

            clicks.Add(click);
        }

        clicks.Sort((a, b) => a.Click.Timestamp.CompareTo(b.Click.Timestamp));
        for (int i = 1; i < clicks.Count; i += 3)
        {
            (clicks[i - 1], clicks[i]) = (clicks[i], clicks[i - 1]);
        }

        return clicks;
    }

    /// <summary>0 about twice as often as 1, 1 twice as often as 2, and so on (a Zipf-like skew).</summary>
    private static int Skewed(Random random, int count)
    {
        int n = 0;
        while (n < count - 1 && random.Next(2) == 1)
        {
            n++;
        }

        return n;
    }
}
