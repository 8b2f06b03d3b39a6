using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ClickAnalytics.Enrichment.UserAgents;

/// <summary>A user-agent rule that says "software": its regex, the class it implies and the reason it reports.</summary>
internal sealed record BotRule(RegexRule Regex, string BotClass, string Reason);

/// <summary>
/// The bot rules, most specific first: ClickAnalytics' own lists of link-preview fetchers,
/// security scanners, monitors, HTTP libraries and automated browsers (matched as
/// case-insensitive tokens), then the patterns of <c>crawler-user-agents</c> with a class taken
/// from their tags. A user agent takes the class of the first rule that matches.
/// </summary>
internal static class BotRules
{
    internal const string CrawlerResourceName = "ClickAnalytics.Data.crawler-user-agents.json";

    // Fetchers that build the preview card of a shared link; a click from them is never a person.
    private static readonly string[] LinkPreview =
    [
        "facebookexternalhit", "Facebot", "meta-externalagent", "Slackbot", "Slack-ImgProxy", "Twitterbot", "LinkedInBot",
        "WhatsApp/", "TelegramBot", "Discordbot", "SkypeUriPreview", "MicrosoftPreview", "redditbot",
        "Embedly", "Iframely", "Pinterestbot", "vkShare", "SnapchatAds", "Snap URL Preview", "Mastodon/",
        "Pleroma", "Akkoma", "Misskey/", "Bluesky Cardyb", "Cardyb", "Google-PageRenderer", "Mattermost-Bot",
        "Rocket.Chat", "Zoom Inc", "Synapse (bot", "XING-contenttabreceiver", "Bitlybot",
        "LinkPreview", "OpenGraph", "Quora Link Preview", "Nextcloud-Talk",
    ];

    private static readonly string[] SecurityScanner =
    [
        "sqlmap", "Nikto", "Nmap", "masscan", "zgrab", "Nuclei", "WPScan", "Acunetix", "Netsparker", "Invicti",
        "Qualys", "Nessus", "OpenVAS", "Burp", "DirBuster", "gobuster", "Fuzz Faster U Fool", "CensysInspect",
        "Expanse", "internet-measurement", "Shodan", "Detectify", "ZAP/", "Arachni", "w3af", "Wappalyzer",
        "BitSightBot", "ONYPHE", "LeakIX",
    ];

    private static readonly string[] Monitor =
    [
        "UptimeRobot", "Pingdom", "StatusCake", "Site24x7", "Better Uptime", "BetterStack", "Uptime-Kuma",
        "DatadogSynthetics", "Datadog Agent", "NewRelicPinger", "Checkly", "GoogleStackdriverMonitoring",
        "Amazon-Route53-Health-Check", "ELB-HealthChecker", "kube-probe", "Zabbix", "Nagios", "check_http",
        "Freshping", "Hetrixtools", "updown.io", "Cronitor", "Oh Dear", "Prometheus", "Blackbox Exporter",
        "GTmetrix", "Catchpoint", "DynatraceSynthetic",
    ];

    private static readonly string[] HttpLibrary =
    [
        "curl/", "Wget/", "python-requests", "Python-urllib", "python-httpx", "aiohttp", "Go-http-client",
        "okhttp", "axios/", "node-fetch", "undici", "Java/", "Apache-HttpClient", "libwww-perl", "LWP::Simple",
        "Faraday", "http.rb", "PostmanRuntime", "insomnia", "HTTPie", "Dart/", "reqwest", "GuzzleHttp",
        "WinHttp", "PowerShell", "Jakarta Commons-HttpClient", "RestSharp", "got (https://github.com/sindresorhus/got)",
        "libcurl", "Typhoeus", "Deno/", "Bun/", "Microsoft-CryptoAPI",
    ];

    private static readonly string[] Automation =
    [
        "HeadlessChrome", "PhantomJS", "Selenium", "Puppeteer", "Playwright", "Chrome-Lighthouse", "HeadlessShell",
        "Cypress", "SlimerJS", "jsdom", "WebDriver", "Nightmare", "CasperJS",
    ];

    /// <summary>The explicit lists, in the order their classes take precedence.</summary>
    public static List<BotRule> Explicit()
    {
        var rules = new List<BotRule>();
        Add(rules, LinkPreview, BotClass.LinkPreview);
        Add(rules, SecurityScanner, BotClass.SecurityScanner);
        Add(rules, Monitor, BotClass.Monitor);
        Add(rules, HttpLibrary, BotClass.HttpLibrary);
        Add(rules, Automation, BotClass.Automation);
        return rules;
    }

    private static void Add(List<BotRule> rules, string[] tokens, string botClass)
    {
        foreach (string token in tokens)
        {
            rules.Add(new BotRule(new RegexRule(Regex.Escape(token), IgnoreCase: true), botClass, botClass + ":" + token));
        }
    }

    /// <summary>The patterns of <c>crawler-user-agents.json</c>, embedded at build time.</summary>
    public static List<BotRule> LoadCrawlers()
    {
        using Stream stream = UapRules.OpenEmbedded(CrawlerResourceName);
        return LoadCrawlers(stream);
    }

    /// <summary>Reads a <c>crawler-user-agents.json</c>.</summary>
    public static List<BotRule> LoadCrawlers(Stream stream)
    {
        using JsonDocument document = JsonDocument.Parse(stream);
        var rules = new List<BotRule>();
        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            if (!entry.TryGetProperty("pattern", out JsonElement patternElement) || patternElement.GetString() is not { Length: > 0 } pattern)
            {
                continue;
            }

            string botClass = BotClass.Crawler;
            if (entry.TryGetProperty("tags", out JsonElement tags) && tags.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement tag in tags.EnumerateArray())
                {
                    string? mapped = ClassOfTag(tag.GetString());
                    if (mapped is not null)
                    {
                        botClass = mapped;
                        break;
                    }
                }
            }

            rules.Add(new BotRule(new RegexRule(pattern, IgnoreCase: false), botClass, "crawler-user-agents:" + pattern));
        }

        return rules;
    }

    /// <summary>The class a crawler-user-agents tag implies; search engines, SEO, AI and feed crawlers stay "crawler".</summary>
    internal static string? ClassOfTag(string? tag) => tag switch
    {
        "social-preview" => BotClass.LinkPreview,
        "monitoring" => BotClass.Monitor,
        "scanner" => BotClass.SecurityScanner,
        "http-library" => BotClass.HttpLibrary,
        "browser-automation" => BotClass.Automation,
        _ => null,
    };
}
