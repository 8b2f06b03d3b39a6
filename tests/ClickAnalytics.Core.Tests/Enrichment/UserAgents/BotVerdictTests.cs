using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>The bot verdict of a user agent: class, reasons and is_bot.</summary>
[TestFixture]
public sealed class BotVerdictTests
{
    [TestCase("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", BotClass.LinkPreview, "link-preview:Slackbot")]
    [TestCase("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", BotClass.LinkPreview, "link-preview:facebookexternalhit")]
    [TestCase("Twitterbot/1.0", BotClass.LinkPreview, "link-preview:Twitterbot")]
    [TestCase("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", BotClass.LinkPreview, "link-preview:LinkedInBot")]
    [TestCase("WhatsApp/2.23.20.0 A", BotClass.LinkPreview, "link-preview:WhatsApp/")]
    [TestCase("TelegramBot (like TwitterBot)", BotClass.LinkPreview, "crawler-user-agents:TelegramBot")]
    [TestCase("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", BotClass.LinkPreview, "link-preview:Discordbot")]
    [TestCase("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com", BotClass.LinkPreview, "link-preview:SkypeUriPreview")]
    [TestCase("Mastodon/4.2.1 (http.rb/5.1.1; +https://mastodon.social/) Bot", BotClass.LinkPreview, "link-preview:Mastodon/")]
    [TestCase("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0", BotClass.LinkPreview, "link-preview:facebookexternalhit")]
    [TestCase("curl/8.5.0", BotClass.HttpLibrary, "http-library:curl/")]
    [TestCase("python-requests/2.31.0", BotClass.HttpLibrary, "http-library:python-requests")]
    [TestCase("Go-http-client/1.1", BotClass.HttpLibrary, "http-library:Go-http-client")]
    [TestCase("okhttp/4.12.0", BotClass.HttpLibrary, "http-library:okhttp")]
    [TestCase("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.71 Safari/537.36", BotClass.Automation, "automation:HeadlessChrome")]
    [TestCase("Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", BotClass.Monitor, "monitor:UptimeRobot")]
    [TestCase("sqlmap/1.7.2#stable (https://sqlmap.org)", BotClass.SecurityScanner, "security-scanner:sqlmap")]
    [TestCase("Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", BotClass.SecurityScanner, "security-scanner:Nmap")]
    public void ExplicitListsGiveTheirClass(string ua, string expectedClass, string expectedReason)
    {
        UserAgentInfo info = UapTestData.Parser.Parse(ua);
        Assert.Multiple(() =>
        {
            Assert.That(info.IsBot, Is.True);
            Assert.That(info.BotClass, Is.EqualTo(expectedClass));
            Assert.That(info.BotReasons.Split(','), Does.Contain(expectedReason));
            Assert.That(info.DeviceType, Is.EqualTo(DeviceType.Bot));
        });
    }

    [Test]
    public void SearchCrawlerIsACrawlerWithEveryReason()
    {
        UserAgentInfo info = UapTestData.Parser.Parse("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
        Assert.Multiple(() =>
        {
            Assert.That(info.IsBot, Is.True);
            Assert.That(info.BotClass, Is.EqualTo(BotClass.Crawler));
            Assert.That(info.BotReasons.Split(','), Does.Contain(@"crawler-user-agents:Googlebot\/"));
            Assert.That(info.BotReasons.Split(','), Does.Contain("uap:Spider"));
            Assert.That(info.DeviceFamily, Is.EqualTo("Spider"));
        });
    }

    [Test]
    public void UapSpiderAloneMakesACrawler()
    {
        // Matched by uap-core's generic device rule ("…bot…") but by no crawler-user-agents pattern.
        UserAgentInfo info = UapTestData.Parser.Parse("ExampleCorpInternalIndexbot/0.1");
        Assert.Multiple(() =>
        {
            Assert.That(info.DeviceFamily, Is.EqualTo("Spider"));
            Assert.That(info.BotClass, Is.EqualTo(BotClass.Crawler));
            Assert.That(info.BotReasons, Does.Contain("uap:Spider"));
        });
    }

    [TestCase("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")]
    [TestCase("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1")]
    [TestCase("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36")]
    [TestCase("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15")]
    [TestCase("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0")]
    [TestCase("Mozilla/5.0 (Linux; Android 13; SM-S908B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36")]
    public void BrowsersAreHuman(string ua)
    {
        UserAgentInfo info = UapTestData.Parser.Parse(ua);
        Assert.Multiple(() =>
        {
            Assert.That(info.IsBot, Is.False);
            Assert.That(info.BotClass, Is.EqualTo(BotClass.Human));
            Assert.That(info.BotReasons, Is.Empty);
        });
    }

    [Test]
    public void EveryCrawlerUserAgentsExampleIsABot()
    {
        // The package's own example strings: each must be recognised by its pattern (or an earlier rule).
        using Stream stream = typeof(UserAgentParser).Assembly.GetManifestResourceStream(BotRules.CrawlerResourceName)!;
        using JsonDocument document = JsonDocument.Parse(stream);
        var missed = new List<string>();
        int total = 0;
        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            foreach (JsonElement instance in entry.GetProperty("instances").EnumerateArray())
            {
                total++;
                string ua = instance.GetString()!;
                if (!UapTestData.Parser.Parse(ua).IsBot)
                {
                    missed.Add(ua);
                }
            }
        }

        Assert.That(total, Is.GreaterThan(2000));
        Assert.That(missed, Is.Empty);
    }

    [TestCase("social-preview", BotClass.LinkPreview)]
    [TestCase("monitoring", BotClass.Monitor)]
    [TestCase("scanner", BotClass.SecurityScanner)]
    [TestCase("http-library", BotClass.HttpLibrary)]
    [TestCase("browser-automation", BotClass.Automation)]
    [TestCase("search-engine", null)]
    public void CrawlerTagsMapToClasses(string tag, string? expected) =>
        Assert.That(BotRules.ClassOfTag(tag), Is.EqualTo(expected));

    [Test]
    public void CrawlerPatternsTakeTheClassOfTheirTags()
    {
        const string json = """
            [{"pattern": "ExampleMonitor", "tags": ["monitoring"], "instances": []},
             {"pattern": "ExampleSeo", "tags": ["seo"], "instances": []},
             {"pattern": "", "tags": [], "instances": []}]
            """;
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        List<BotRule> rules = BotRules.LoadCrawlers(stream);
        Assert.That(rules, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(rules[0].BotClass, Is.EqualTo(BotClass.Monitor));
            Assert.That(rules[1].BotClass, Is.EqualTo(BotClass.Crawler));
            Assert.That(rules[1].Reason, Is.EqualTo("crawler-user-agents:ExampleSeo"));
        });
    }
}
