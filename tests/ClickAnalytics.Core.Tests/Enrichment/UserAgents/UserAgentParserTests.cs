using System;
using System.IO;
using System.Text;
using System.Threading.Tasks;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

/// <summary>The public parser: bad input, custom rules, timeouts and the cache in front of the engine.</summary>
[TestFixture]
public sealed class UserAgentParserTests
{
    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";

    private const string CatastrophicRules = """
        user_agent_parsers:
          - regex: '^(a+)+$'
            family_replacement: 'Never'
          - regex: '(Tail)/(\d+)'
        os_parsers:
          - regex: '^(x+x+)+y'
        device_parsers:
          - regex: '(b|bb)+c'
            regex_flag: 'i'
            device_replacement: 'Never'
        """;

    [TestCase(null)]
    [TestCase("")]
    [TestCase("\0\u0001\u0002\u00ff\ufffd\ud800")]
    [TestCase("((((((((((((((((((((")]
    [TestCase("$1$2$3\\")]
    public void OddInputGivesOtherWithoutThrowing(string? ua)
    {
        UserAgentInfo info = UapTestData.Parser.Parse(ua);
        Assert.Multiple(() =>
        {
            Assert.That(info.BrowserFamily, Is.EqualTo(UserAgentParser.Other));
            Assert.That(info.OsFamily, Is.EqualTo(UserAgentParser.Other));
            Assert.That(info.BrowserMajor, Is.Empty);
        });
    }

    [Test]
    public void HundredKilobyteUserAgentIsCutAndParsed()
    {
        var builder = new StringBuilder(Chrome);
        builder.Append(' ', 50_000).Append(new string('x', 50_000));
        var parser = new UserAgentParser(new UserAgentOptions { MaxLength = 1_024 });

        UserAgentInfo info = parser.Parse(builder.ToString());

        Assert.That(info.BrowserFamily, Is.EqualTo("Chrome"));
        Assert.That(info.BrowserMajor, Is.EqualTo("120"));
    }

    [Test]
    public void BinaryGarbageOfEveryCharacterDoesNotThrow()
    {
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            var chars = new char[random.Next(1, 3_000)];
            for (int c = 0; c < chars.Length; c++)
            {
                chars[c] = (char)random.Next(0, char.MaxValue + 1);
            }

            Assert.DoesNotThrow(() => UapTestData.Parser.Parse(new string(chars)));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void CatastrophicBacktrackingEndsAsOther(bool nonBacktracking)
    {
        var parser = new UserAgentParser(new UserAgentOptions
        {
            RegexesStream = () => new MemoryStream(Encoding.UTF8.GetBytes(CatastrophicRules)),
            MatchTimeout = TimeSpan.FromMilliseconds(20),
            NonBacktracking = nonBacktracking,
            MaxLength = 4_096,
        });
        string hostile = new string('a', 40) + "!" + new string('x', 40) + new string('b', 40);

        UserAgentInfo info = parser.Parse(hostile);

        Assert.Multiple(() =>
        {
            Assert.That(info.BrowserFamily, Is.EqualTo(UserAgentParser.Other));
            Assert.That(info.OsFamily, Is.EqualTo(UserAgentParser.Other));
            Assert.That(info.DeviceFamily, Is.EqualTo(UserAgentParser.Other));
        });
        Assert.That(parser.Parse("Tail/7").BrowserFamily, Is.EqualTo("Tail"), "the rules still work on ordinary input");
    }

    [Test]
    public void RulesFromAPathReplaceTheEmbeddedOnes()
    {
        string path = Path.Combine(Path.GetTempPath(), $"regexes-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            user_agent_parsers:
              - regex: '(Chrome)/(\d+)'
                family_replacement: 'Custom $1'
            os_parsers: []
            device_parsers: []
            """);
        try
        {
            var parser = new UserAgentParser(new UserAgentOptions { RegexesPath = path });
            UserAgentInfo info = parser.Parse(Chrome);
            Assert.That(info.BrowserFamily, Is.EqualTo("Custom Chrome"));
            Assert.That(info.OsFamily, Is.EqualTo(UserAgentParser.Other));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("not: [valid")]
    [TestCase("user_agent_parsers: []\nos_parsers: []\n")]
    [TestCase("user_agent_parsers:\n  - family_replacement: 'x'\nos_parsers: []\ndevice_parsers: []\n")]
    public void MalformedRulesFailAtStart(string yaml) =>
        Assert.Throws<InvalidDataException>(() => _ = new UserAgentParser(new UserAgentOptions { RegexesStream = () => new MemoryStream(Encoding.UTF8.GetBytes(yaml)) }));

    [Test]
    public void ReplacementsFillEveryGroupAndTrim()
    {
        var parser = new UserAgentParser(new UserAgentOptions
        {
            RegexesStream = () => new MemoryStream(Encoding.UTF8.GetBytes("""
                user_agent_parsers:
                  - regex: '(Foo)/(\d+)\.(\d+)(?:\.(\d+)|)'
                    v1_replacement: '$2$3'
                os_parsers:
                  - regex: 'Foo'
                    os_replacement: 'Literal OS'
                device_parsers:
                  - regex: '(Foo)/(\d+)\.(\d+)'
                    device_replacement: ' $1 $9 '
                    brand_replacement: '$3'
                """)),
        });

        UserAgentInfo info = parser.Parse("Foo/1.2");

        Assert.Multiple(() =>
        {
            Assert.That(info.BrowserFamily, Is.EqualTo("Foo"));
            Assert.That(info.BrowserMajor, Is.EqualTo("12"));
            Assert.That(info.BrowserMinor, Is.EqualTo("2"));
            Assert.That(info.BrowserPatch, Is.Empty, "an unmatched optional group gives nothing");
            Assert.That(info.OsFamily, Is.EqualTo("Literal OS"));
            Assert.That(info.DeviceFamily, Is.EqualTo("Foo"), "missing $9 is empty and the result is trimmed");
            Assert.That(info.DeviceBrand, Is.EqualTo("2"));
            Assert.That(info.DeviceModel, Is.EqualTo("Foo"), "the model defaults to the first group");
        });
    }

    [Test]
    public void RepeatedStringsComeFromTheCache()
    {
        var parser = new UserAgentParser(new UserAgentOptions { CacheSize = 100 });
        UserAgentInfo first = parser.Parse(Chrome);
        UserAgentInfo second = parser.Parse(new string(Chrome.AsSpan()));
        Assert.That(second, Is.SameAs(first));
    }

    [Test]
    public void WithoutCacheEveryParseIsFresh()
    {
        var parser = new UserAgentParser(new UserAgentOptions { CacheSize = 0 });
        UserAgentInfo first = parser.Parse(Chrome);
        Assert.That(parser.Parse(Chrome), Is.Not.SameAs(first));
    }

    [Test]
    public async Task ConcurrentParsesAgreeWithASequentialOne()
    {
        var parser = new UserAgentParser(new UserAgentOptions { CacheSize = 16 });
        string[] agents = new string[64];
        for (int i = 0; i < agents.Length; i++)
        {
            agents[i] = i % 2 == 0 ? $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/{i}.0.0.0 Safari/537.36" : $"curl/{i}.0";
        }

        var tasks = new Task[4];
        for (int t = 0; t < tasks.Length; t++)
        {
            int seed = t;
            tasks[t] = Task.Run(() =>
            {
                for (int n = 0; n < 2_000; n++)
                {
                    int i = (n * 7 + seed) % agents.Length;
                    UserAgentInfo info = parser.Parse(agents[i]);
                    string expectedMajor = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (i % 2 == 0 ? info.BrowserFamily != "Chrome" || info.BrowserMajor != expectedMajor : info.BotClass != BotClass.HttpLibrary)
                    {
                        throw new InvalidOperationException($"wrong result for {agents[i]}: {info.BrowserFamily} {info.BrowserMajor} {info.BotClass}");
                    }
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    [Test]
    public void CustomStreamIsPreferredAndStartupIsReported()
    {
        var parser = new UserAgentParser(new UserAgentOptions
        {
            RegexesStream = () => new MemoryStream(Encoding.UTF8.GetBytes("user_agent_parsers: []\nos_parsers: []\ndevice_parsers: []\n")),
            RegexesPath = "/does/not/exist.yaml",
        });
        Assert.That(parser.Parse(Chrome).BrowserFamily, Is.EqualTo(UserAgentParser.Other));
        Assert.That(parser.StartupTime, Is.GreaterThan(TimeSpan.Zero));
    }
}
