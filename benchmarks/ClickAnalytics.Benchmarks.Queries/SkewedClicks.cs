using System;
using System.Collections.Generic;
using System.Globalization;

namespace ClickAnalytics.Benchmarks.Queries;

/// <summary>
/// Realistic clicks for the query benchmarks: 10 000 links in 50 tenants, and links, countries,
/// browsers, referers and campaigns drawn with a power-law skew (the first values take most of the
/// traffic, a long tail the rest), the way real traffic looks. The same rules generate the clicks
/// in C# (for DuckDB) and on the ClickHouse server (<see cref="ClickHouseInsert"/>), so both stores
/// hold data of one shape.
/// </summary>
internal static class SkewedClicks
{
    public const int Links = 10_000;
    public const int Tenants = 50;

    // (continent, country, region, city)
    public static readonly string[][] Places =
    [
        ["NA", "US", "US-CA", "San Francisco"], ["EU", "DE", "DE-BE", "Berlin"], ["EU", "GB", "GB-ENG", "London"], ["NA", "US", "US-NY", "New York"],
        ["AS", "IN", "IN-MH", "Mumbai"], ["EU", "FR", "FR-IDF", "Paris"], ["SA", "BR", "BR-SP", "São Paulo"], ["AS", "JP", "JP-13", "Tokyo"],
        ["NA", "CA", "CA-ON", "Toronto"], ["EU", "ES", "ES-MD", "Madrid"], ["EU", "NL", "NL-NH", "Amsterdam"], ["OC", "AU", "AU-NSW", "Sydney"],
        ["EU", "IT", "IT-25", "Milan"], ["EU", "CH", "CH-ZH", "Zürich"], ["AF", "NG", "NG-LA", "Lagos"], ["", "", "", ""],
    ];

    // (browser, os, device)
    public static readonly string[][] Agents =
    [
        ["Chrome", "Windows", "desktop"], ["Mobile Safari", "iOS", "mobile"], ["Chrome Mobile", "Android", "mobile"], ["Safari", "Mac OS X", "desktop"],
        ["Edge", "Windows", "desktop"], ["Firefox", "Windows", "desktop"], ["Samsung Internet", "Android", "mobile"], ["Chrome", "Mac OS X", "desktop"],
        ["Mobile Safari", "iOS", "tablet"], ["Firefox", "Linux", "desktop"], ["Opera", "Windows", "desktop"], ["Other", "Other", "unknown"],
    ];

    // (host, medium, source)
    public static readonly string[][] Referers =
    [
        ["", "direct", ""], ["www.google.com", "search", "Google"], ["t.co", "social", "Twitter"], ["www.facebook.com", "social", "Facebook"],
        ["www.linkedin.com", "social", "LinkedIn"], ["mail.google.com", "email", "Gmail"], ["www.bing.com", "search", "Bing"], ["www.reddit.com", "social", "Reddit"],
        ["news.ycombinator.com", "unknown", ""], ["duckduckgo.com", "search", "DuckDuckGo"], ["outlook.live.com", "email", "Outlook.com"], ["example.org", "unknown", ""],
    ];

    // (source, medium, campaign); the first, no campaign, for most clicks
    public static readonly string[][] Campaigns =
    [
        ["", "", ""], ["newsletter", "email", "weekly"], ["google", "cpc", "brand"], ["twitter", "social", "launch"], ["facebook", "paid", "retargeting"],
        ["newsletter", "email", "black-friday"], ["partner", "referral", "affiliates"], ["linkedin", "social", "hiring"], ["google", "cpc", "generic"],
    ];

    public static readonly string[] Languages = ["en-US", "de-DE", "en-GB", "fr-FR", "es-ES", "pt-BR", "ja-JP", "it-IT", ""];

    /// <summary>An index into a list of <paramref name="count"/> values: 0 most often, falling off like a power law.</summary>
    public static int Skewed(double uniform, int count, double power = 3) => Math.Min(count - 1, (int)(Math.Pow(uniform, power) * count));

    /// <summary>Clicks from <paramref name="start"/> over <paramref name="days"/> days, in time order, generated in batches.</summary>
    public static IEnumerable<List<EnrichedClick>> Generate(long count, DateTimeOffset start, int days, int batch, int seed = 7)
    {
        var random = new Random(seed);
        double step = days * 86_400_000.0 / count;
        var clicks = new List<EnrichedClick>(batch);
        for (long i = 0; i < count; i++)
        {
            DateTimeOffset at = start.AddMilliseconds(i * step);
            int link = Skewed(random.NextDouble(), Links);
            string[] place = Places[Skewed(random.NextDouble(), Places.Length)];
            string[] agent = Agents[Skewed(random.NextDouble(), Agents.Length)];
            string[] referer = Referers[Skewed(random.NextDouble(), Referers.Length)];
            string[] campaign = random.Next(4) == 0 ? Campaigns[1 + Skewed(random.NextDouble(), Campaigns.Length - 1, 2)] : Campaigns[0];
            bool bot = random.Next(12) == 0;
            int person = random.Next(300_000);
            clicks.Add(new EnrichedClick(new ClickEvent
            {
                EventId = Guid.CreateVersion7(at),
                Timestamp = at,
                LinkId = "link-" + link.ToString(CultureInfo.InvariantCulture),
                TenantId = "tenant-" + (link % Tenants).ToString(CultureInfo.InvariantCulture),
            })
            {
                Continent = place[0], Country = place[1], Region = place[2], City = place[3],
                BrowserFamily = bot ? "Googlebot" : agent[0], OsFamily = bot ? "Other" : agent[1], DeviceType = bot ? DeviceType.Bot : agent[2],
                IsBot = bot, BotClass = bot ? BotClass.Crawler : BotClass.Human,
                RefererHost = referer[0], RefererMedium = referer[1], RefererSource = referer[2],
                UtmSource = campaign[0], UtmMedium = campaign[1], UtmCampaign = campaign[2],
                Language = SkewedLanguage(random),
                VisitorId = person.ToString("x", CultureInfo.InvariantCulture) + "-" + at.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                IsRepeat = random.Next(10) == 0,
            });
            if (clicks.Count == batch)
            {
                yield return clicks;
                clicks = new List<EnrichedClick>(batch);
            }
        }

        if (clicks.Count > 0)
        {
            yield return clicks;
        }
    }

    private static string SkewedLanguage(Random random) => Languages[Skewed(random.NextDouble(), Languages.Length, 2)];

    /// <summary>The same rules as one INSERT … SELECT generated on the server, for rows [offset, offset + count) of <paramref name="total"/>.</summary>
    public static string ClickHouseInsert(long offset, long count, long total, DateTimeOffset start, int days)
    {
        static string Array(string[][] rows, int column) => "[" + string.Join(", ", System.Array.ConvertAll(rows, r => "'" + r[column] + "'")) + "]";
        static string Index(int salt, int length, double power = 3) =>
            string.Create(CultureInfo.InvariantCulture, $"least({length - 1}, toUInt32(pow((cityHash64(number, {salt}) % 1000000) / 1000000.0, {power}) * {length})) + 1");
        long seconds = days * 86_400L;
        return string.Create(CultureInfo.InvariantCulture, $"""
            INSERT INTO clicks (event_id, timestamp, date, tenant_id, link_id, continent, country, region, city, browser_family, os_family, device_type,
                                is_bot, bot_class, referer_host, referer_medium, referer_source, utm_source, utm_medium, utm_campaign, language, visitor_id, is_repeat)
            SELECT generateUUIDv4(), toDateTime({start.ToUnixTimeSeconds()} + intDiv(number * {seconds}, {total})) AS ts, toDate(ts),
                   concat('tenant-', toString(link % {Tenants})), concat('link-', toString(link)),
                   {Array(Places, 0)}[p], {Array(Places, 1)}[p], {Array(Places, 2)}[p], {Array(Places, 3)}[p],
                   if(bot, 'Googlebot', {Array(Agents, 0)}[a]), if(bot, 'Other', {Array(Agents, 1)}[a]), if(bot, 'bot', {Array(Agents, 2)}[a]),
                   bot, if(bot, 'crawler', 'human'),
                   {Array(Referers, 0)}[r], {Array(Referers, 1)}[r], {Array(Referers, 2)}[r],
                   {Array(Campaigns, 0)}[c], {Array(Campaigns, 1)}[c], {Array(Campaigns, 2)}[c],
                   {Array([.. System.Array.ConvertAll(Languages, l => new[] { l })], 0)}[{Index(20, Languages.Length, 2)}],
                   concat(hex(cityHash64(number, 21) % 300000), '-', toString(toYYYYMMDD(ts))),
                   cityHash64(number, 22) % 10 = 0
            FROM (SELECT number,
                         toUInt32(least({Links - 1}, pow((cityHash64(number, 10) % 1000000) / 1000000.0, 3) * {Links})) AS link,
                         {Index(11, Places.Length)} AS p, {Index(12, Agents.Length)} AS a, {Index(13, Referers.Length)} AS r,
                         if(cityHash64(number, 14) % 4 = 0, 1 + {Index(15, Campaigns.Length - 1, 2)}, 1) AS c,
                         cityHash64(number, 16) % 12 = 0 AS bot
                  FROM numbers({offset}, {count}))
            """);
    }
}
