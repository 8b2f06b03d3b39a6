using System.Threading.Tasks;
using ClickAnalytics.Enrichment.UserAgents;

namespace ClickAnalytics.Core.Tests.Enrichment.UserAgents;

[TestFixture]
public sealed class UserAgentCacheTests
{
    [Test]
    public void MissThenHit()
    {
        var cache = new UserAgentCache(8);
        var value = new UserAgentInfo { BrowserFamily = "A" };
        Assert.That(cache.TryGet("a", out _), Is.False);
        cache.Add("a", value);
        Assert.That(cache.TryGet(new string('a', 1), out UserAgentInfo found), Is.True);
        Assert.That(found, Is.SameAs(value));
    }

    [Test]
    public void StaysBoundedAndKeepsRecentEntries()
    {
        var cache = new UserAgentCache(64);
        for (int i = 0; i < 10_000; i++)
        {
            cache.Add("ua-" + i, new UserAgentInfo { BrowserFamily = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        int present = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (cache.TryGet("ua-" + i, out UserAgentInfo info))
            {
                present++;
                Assert.That(info.BrowserFamily, Is.EqualTo(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "a hit returns the value of its own key");
            }
        }

        Assert.That(cache.Capacity, Is.EqualTo(64));
        Assert.That(present, Is.InRange(1, 64));
        Assert.That(cache.TryGet("ua-9999", out _), Is.True, "the newest entry is always present");
    }

    [Test]
    public void ReAddingAKeyDoesNotEvictItsNeighbour()
    {
        var cache = new UserAgentCache(2);
        cache.Add("x", new UserAgentInfo());
        cache.Add("y", new UserAgentInfo());
        cache.Add("y", new UserAgentInfo());
        Assert.That(cache.TryGet("x", out _), Is.True);
        Assert.That(cache.TryGet("y", out _), Is.True);
    }

    [Test]
    public async Task ReadersNeverSeeAnotherKeysValue()
    {
        var cache = new UserAgentCache(32);
        var tasks = new Task[4];
        for (int t = 0; t < tasks.Length; t++)
        {
            int seed = t;
            tasks[t] = Task.Run(() =>
            {
                for (int n = 0; n < 50_000; n++)
                {
                    string key = "k" + ((n * 31 + seed) % 200);
                    if (cache.TryGet(key, out UserAgentInfo info))
                    {
                        Assert.That(info.BrowserFamily, Is.EqualTo(key));
                    }
                    else
                    {
                        cache.Add(key, new UserAgentInfo { BrowserFamily = key });
                    }
                }
            });
        }

        await Task.WhenAll(tasks);
    }

    [Test]
    public void NearlyIdenticalStringsSpreadOverBuckets()
    {
        // Real traffic is full of strings that differ in one version digit; they must not share a bucket.
        var cache = new UserAgentCache(1024);
        var hashes = new System.Collections.Generic.HashSet<int>();
        for (int major = 0; major < 500; major++)
        {
            hashes.Add(cache.Hash($"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36") & 511);
        }

        Assert.That(hashes, Has.Count.GreaterThan(250));
    }
}
