using System;
using System.IO;
using ClickAnalytics.Core.Tests.Enrichment.Support;
using ClickAnalytics.Enrichment.Geo;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ClickAnalytics.Core.Tests.Enrichment.Geo;

public sealed class GeoEnricherTests
{
    private string _fixtures = "";

    [OneTimeSetUp]
    public void WriteFixtures()
    {
        _fixtures = Path.Combine(TestContext.CurrentContext.WorkDirectory, "geo-fixtures");
        Directory.CreateDirectory(_fixtures);
        GeoFixtures.WriteCity(_fixtures);
        GeoFixtures.WriteAsn(_fixtures);
    }

    private static GeoEnricher Enricher(string? path, string? ipv6 = null, string? asn = null) =>
        new(Options.Create(new GeoOptions { DatabasePath = path, Ipv6DatabasePath = ipv6, AsnDatabasePath = asn }),
            new FakeTimeProvider(Clicks.Noon), NullLogger<GeoEnricher>.Instance);

    // Expected countries read with: mmdblookup -f geo-whois-asn-country.mmdb -i ADDRESS country_code
    [TestCase("8.8.8.8", "US", "NA")]
    [TestCase("1.1.1.1", "AU", "OC")]
    [TestCase("81.2.69.160", "GB", "EU")]
    [TestCase("193.0.6.139", "NL", "EU")]
    [TestCase("202.12.27.33", "JP", "AS")]
    [TestCase("2001:4860:4860::8888", "US", "NA")]
    [TestCase("2a00:1450:4001:80b::200e", "IE", "EU")]
    [TestCase("::ffff:81.2.69.160", "GB", "EU")]
    public void Country_database_locates_known_addresses(string ip, string country, string continent)
    {
        using GeoEnricher geo = Enricher(GeoFiles.Country);
        var click = Clicks.Make(ip: ip);

        geo.Run(click);

        Assert.Multiple(() =>
        {
            Assert.That(click.Country, Is.EqualTo(country));
            Assert.That(click.Continent, Is.EqualTo(continent));
            Assert.That(click.City, Is.Empty);
            Assert.That(click.GeoDatabase, Is.EqualTo(GeoFiles.CountryBuild));
        });
    }

    [TestCase("10.1.2.3")]
    [TestCase("172.16.5.4")]
    [TestCase("172.31.255.1")]
    [TestCase("192.168.1.1")]
    [TestCase("127.0.0.1")]
    [TestCase("169.254.10.20")]
    [TestCase("100.64.0.1")]
    [TestCase("0.0.0.0")]
    [TestCase("224.0.0.1")]
    [TestCase("255.255.255.255")]
    [TestCase("::1")]
    [TestCase("::")]
    [TestCase("fe80::1")]
    [TestCase("fd12:3456::1")]
    [TestCase("ff02::1")]
    [TestCase("::ffff:10.0.0.1")]
    [TestCase("::ffff:127.0.0.1")]
    public void Non_public_addresses_get_no_location(string ip)
    {
        using GeoEnricher geo = Enricher(GeoFiles.Country);
        var click = Clicks.Make(ip: ip);

        geo.Run(click);

        Assert.That((click.Country, click.Continent, click.GeoDatabase), Is.EqualTo(("", "", "")));
    }

    [Test]
    public void Public_address_next_to_private_ranges_is_still_located()
    {
        // 172.32.0.0 is just outside 172.16.0.0/12; the filter must not take the whole 172/8.
        using GeoEnricher geo = Enricher(GeoFiles.Country);
        var click = Clicks.Make(ip: "172.32.1.1");

        geo.Run(click);

        Assert.That(click.Country, Is.Not.Empty);
    }

    [Test]
    public void Click_without_address_gets_no_location_and_no_exception()
    {
        using GeoEnricher geo = Enricher(GeoFiles.Country);
        var click = Clicks.Make(ip: null);

        Assert.DoesNotThrow(() => geo.Run(click));
        Assert.That(click.Country, Is.Empty);
    }

    [Test]
    public void PublicAddress_maps_ipv4_mapped_ipv6_to_ipv4()
    {
        System.Net.IPAddress? mapped = GeoEnricher.PublicAddress(System.Net.IPAddress.Parse("::ffff:8.8.8.8"));

        Assert.That(mapped, Is.EqualTo(System.Net.IPAddress.Parse("8.8.8.8")));
    }

    // Expected values read with: mmdblookup -f geolite2-city-ipv{4,6}.mmdb -i ADDRESS city / state1 / country_code
    [TestCase("81.2.69.160", "GB", "England", "Bracknell", GeoFiles.CityIpv4Build)]
    [TestCase("2001:67c:2e8::2", "NL", "North Holland", "Amsterdam", GeoFiles.CityIpv6Build)]
    [TestCase("2a02:d040::1", "SE", "", "", GeoFiles.CityIpv6Build)]
    public void City_database_split_by_ip_version_fills_region_and_city(string ip, string country, string region, string city, string build)
    {
        using GeoEnricher geo = Enricher(GeoFiles.CityIpv4, ipv6: GeoFiles.CityIpv6);
        var click = Clicks.Make(ip: ip);

        geo.Run(click);

        Assert.That((click.Country, click.Region, click.City, click.GeoDatabase), Is.EqualTo((country, region, city, build)));
    }

    [Test]
    public void Ipv6_address_against_an_ipv4_only_database_gets_no_location()
    {
        using GeoEnricher geo = Enricher(GeoFiles.CityIpv4);
        var click = Clicks.Make(ip: "2001:67c:2e8::2");

        Assert.DoesNotThrow(() => geo.Run(click));
        Assert.That(click.Country, Is.Empty);
    }

    [Test]
    public void Nested_city_database_with_asn_database_fills_every_value()
    {
        using GeoEnricher geo = Enricher(Path.Combine(_fixtures, "fixture-city.mmdb"), asn: Path.Combine(_fixtures, "fixture-asn.mmdb"));
        var v4 = Clicks.Make(ip: "198.18.0.77");
        var v6 = Clicks.Make(ip: "2001:db8:aaaa:1::5");
        var mapped = Clicks.Make(ip: "::ffff:198.18.0.1");

        geo.Run(v4, v6, mapped);

        Assert.Multiple(() =>
        {
            Assert.That((v4.Continent, v4.Country, v4.Region, v4.City), Is.EqualTo(("EU", "DE", "Bavaria", "Munich")));
            Assert.That((v4.Asn, v4.AsnOrganization), Is.EqualTo((64500u, "Example Transit")));
            Assert.That(v4.GeoDatabase, Is.EqualTo("GeoIP2-City@2026-05-28T20:26:40Z+GeoLite2-ASN@2026-05-29T20:26:40Z"));
            Assert.That((v6.Continent, v6.Country, v6.Region, v6.City), Is.EqualTo(("OC", "NZ", "Wellington Region", "Wellington")));
            Assert.That((v6.Asn, v6.AsnOrganization), Is.EqualTo((4200000001u, "Example Six")));
            Assert.That((mapped.Country, mapped.Asn), Is.EqualTo(("DE", 64500u)));
        });
    }

    [Test]
    public void Nested_record_without_continent_takes_it_from_the_country()
    {
        using GeoEnricher geo = Enricher(Path.Combine(_fixtures, "fixture-city.mmdb"), asn: Path.Combine(_fixtures, "fixture-asn.mmdb"));
        var click = Clicks.Make(ip: "198.18.1.9");

        geo.Run(click);

        Assert.That((click.Continent, click.Country, click.Region, click.City, click.Asn), Is.EqualTo(("SA", "BR", "", "", 64500u)));
    }

    [Test]
    public void Asn_database_alone_fills_only_the_autonomous_system()
    {
        using GeoEnricher geo = Enricher(null, asn: Path.Combine(_fixtures, "fixture-asn.mmdb"));
        var click = Clicks.Make(ip: "198.18.1.200");

        geo.Run(click);

        Assert.That((click.Country, click.Asn, click.GeoDatabase), Is.EqualTo(("", 64500u, "GeoLite2-ASN@2026-05-29T20:26:40Z")));
    }

    [Test]
    public void Address_outside_every_network_gets_nothing()
    {
        using GeoEnricher geo = Enricher(Path.Combine(_fixtures, "fixture-city.mmdb"), asn: Path.Combine(_fixtures, "fixture-asn.mmdb"));
        var click = Clicks.Make(ip: "8.8.8.8");

        geo.Run(click);

        Assert.That((click.Country, click.Asn, click.GeoDatabase), Is.EqualTo(("", 0u, "")));
    }

    [Test]
    public void Disabled_stage_leaves_values_empty()
    {
        using var geo = new GeoEnricher(Options.Create(new GeoOptions { Enabled = false, DatabasePath = GeoFiles.Country }),
            new FakeTimeProvider(Clicks.Noon), NullLogger<GeoEnricher>.Instance);
        var click = Clicks.Make(ip: "8.8.8.8");

        geo.Run(click);

        Assert.That(click.Country, Is.Empty);
    }
}
