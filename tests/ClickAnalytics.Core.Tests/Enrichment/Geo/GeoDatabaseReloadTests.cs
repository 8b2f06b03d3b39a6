using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment.Geo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Enrichment.Geo;

public sealed class GeoDatabaseReloadTests
{
    private string _directory = "";
    private string _path = "";

    [SetUp]
    public void CopyDatabase()
    {
        _directory = Directory.CreateTempSubdirectory("geo-reload-").FullName;
        _path = Path.Combine(_directory, "location.mmdb");
        File.Copy(GeoFiles.Country, _path);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_directory, recursive: true);

    /// <summary>Replaces the file the way geoipupdate does: write beside it, rename over it.</summary>
    private void Replace(string source)
    {
        string temporary = _path + ".tmp";
        File.Copy(source, temporary, overwrite: true);
        File.SetLastWriteTimeUtc(temporary, File.GetLastWriteTimeUtc(_path).AddMinutes(1));
        File.Move(temporary, _path, overwrite: true);
    }

    [Test]
    public async Task Replacing_the_file_while_clicks_flow_loses_and_stalls_nothing()
    {
        const int total = 4000;
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(
            o => { o.BatchSize = 16; o.Workers = 2; },
            b => b.Services.Configure<GeoOptions>(g => { g.DatabasePath = _path; g.ReloadCheckInterval = TimeSpan.FromMinutes(1); }),
            sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < total; i++)
        {
            if (i == total / 4)
            {
                Replace(GeoFiles.CityIpv4);
                pipeline.Time.Advance(TimeSpan.FromMinutes(2));
            }

            ClickAnalytics.ClickEvent click = TestClicks.Create(i);
            pipeline.Writer.TryWrite(new ClickAnalytics.ClickEvent
            {
                EventId = click.EventId,
                Timestamp = click.Timestamp,
                LinkId = click.LinkId,
                QueryString = click.QueryString,
                UserAgent = click.UserAgent,
                ClientIp = IPAddress.Parse("81.2.69.160"),
            });
        }

        Eventually.True(() => sink.Stored == total, "every click is stored after the database was replaced");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        var stored = sink.Batches.SelectMany(b => b).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(stored, Has.Count.EqualTo(total));
            Assert.That(stored.Select(c => c.Click.EventId).Distinct().Count(), Is.EqualTo(total));
            Assert.That(stored.Select(c => c.Country), Is.All.EqualTo("GB"), "every click was located, by one file or the other");
            Assert.That(stored.Select(c => c.GeoDatabase), Is.All.AnyOf(GeoFiles.CountryBuild, GeoFiles.CityIpv4Build));
            Assert.That(stored.Count(c => c.GeoDatabase == GeoFiles.CityIpv4Build && c.City == "Bracknell"), Is.GreaterThan(0), "the new file was swapped in");
            Assert.That(pipeline.EnrichmentErrors.Sum(), Is.Zero);
            Assert.That(pipeline.Dropped.Sum(), Is.Zero);
        });
    }

    [Test]
    public void A_lookup_holding_the_old_file_finishes_on_it_and_then_the_old_file_is_closed()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        using var slot = new GeoDatabaseSlot(_path, TimeSpan.FromMinutes(1), time, NullLogger.Instance);
        GeoDatabaseFile old = slot.Acquire()!;

        Replace(GeoFiles.CityIpv4);
        time.Advance(TimeSpan.FromMinutes(1));
        slot.CheckForReplacement();
        GeoDatabaseFile current = slot.Acquire()!;

        Assert.Multiple(() =>
        {
            Assert.That(current.Build, Is.EqualTo(GeoFiles.CityIpv4Build));
            Assert.That(old.IsDisposed, Is.False, "still leased by the batch in flight");
            Assert.That(old.FindFlat(IPAddress.Parse("8.8.8.8"))?.CountryCode, Is.EqualTo("US"));
        });

        old.Release();
        current.Release();
        Assert.That(old.IsDisposed, Is.True);
        Assert.That(old.TryAcquire(), Is.False);
    }

    [Test]
    public void Replacement_is_noticed_only_after_the_check_interval()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        using var slot = new GeoDatabaseSlot(_path, TimeSpan.FromMinutes(5), time, NullLogger.Instance);

        slot.CheckForReplacement(); // the first check, right at start, finds nothing new
        Replace(GeoFiles.CityIpv4);
        time.Advance(TimeSpan.FromMinutes(4));
        slot.CheckForReplacement();
        string before = Build(slot);
        time.Advance(TimeSpan.FromMinutes(1));
        slot.CheckForReplacement();

        Assert.That((before, Build(slot)), Is.EqualTo((GeoFiles.CountryBuild, GeoFiles.CityIpv4Build)));
    }

    [Test]
    public void A_damaged_replacement_keeps_the_old_file_until_a_good_one_arrives()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        using var slot = new GeoDatabaseSlot(_path, TimeSpan.FromMinutes(1), time, NullLogger.Instance);
        string garbage = Path.Combine(_directory, "garbage");
        File.WriteAllBytes(garbage, new byte[4096]);

        Replace(garbage);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.DoesNotThrow(slot.CheckForReplacement);
        string afterGarbage = Build(slot);

        Replace(GeoFiles.CityIpv4);
        time.Advance(TimeSpan.FromMinutes(1));
        slot.CheckForReplacement();

        Assert.That((afterGarbage, Build(slot)), Is.EqualTo((GeoFiles.CountryBuild, GeoFiles.CityIpv4Build)));
    }

    [Test]
    public void A_deleted_file_keeps_the_open_one_in_use()
    {
        var time = new FakeTimeProvider(Clicks.Noon);
        using var slot = new GeoDatabaseSlot(_path, TimeSpan.FromMinutes(1), time, NullLogger.Instance);

        File.Delete(_path);
        time.Advance(TimeSpan.FromMinutes(1));
        slot.CheckForReplacement();

        Assert.That(Build(slot), Is.EqualTo(GeoFiles.CountryBuild));
    }

    private static string Build(GeoDatabaseSlot slot)
    {
        GeoDatabaseFile? file = slot.Acquire();
        try
        {
            return file?.Build ?? "";
        }
        finally
        {
            file?.Release();
        }
    }
}
