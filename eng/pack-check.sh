#!/usr/bin/env bash
# Packs every package, then builds and runs a fresh host that installs them from that folder:
# proof that the packages install, carry their READMEs and embedded data, and work together.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d /tmp/clickanalytics-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
version="0.0.0-check.$(date +%s)"

dotnet pack ClickAnalytics.sln -c Release -o "$work/feed" -p:Version="$version" -nologo -clp:ErrorsOnly >/dev/null
for package in "$work"/feed/*.nupkg; do
  listing=$(unzip -l "$package")
  grep -q ' README.md$' <<<"$listing" || { echo "pack-check: $(basename "$package") has no README.md"; exit 1; }
done

mkdir -p "$work/host"
cat >"$work/host/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
cat >"$work/host/Host.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
$(for p in "$work"/feed/*.nupkg; do n=$(basename "$p" ".$version.nupkg"); echo "    <PackageReference Include=\"$n\" Version=\"$version\" />"; done)
  </ItemGroup>
</Project>
XML
cat >"$work/host/Program.cs" <<'CS'
using ClickAnalytics;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Querying;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddClickAnalytics().AddDuckDb(o => o.Path = Path.Combine(AppContext.BaseDirectory, "check.duckdb")).AddParquetExport();
var app = builder.Build();
app.MapGet("/{code}", (string code) => Results.Redirect("https://example.com/" + code)).TrackClicks();
app.MapClickAnalyticsApi("/analytics", api => api.AllowAnonymous = true);
app.MapClickAnalyticsDashboard("/analytics/dashboard");
app.Urls.Add("http://127.0.0.1:0");
await app.StartAsync();
string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
    .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
using (var http = new HttpClient { BaseAddress = new Uri(address) })
{
    string page = await http.GetStringAsync("/analytics/dashboard/");
    byte[] chart = await http.GetByteArrayAsync("/analytics/dashboard/assets/uPlot.iife.min.js");
    Console.WriteLine($"dashboard: page {page.Length} chars, chart library {chart.Length} bytes");
}
Console.WriteLine("embedded resources: " + string.Join(", ", typeof(IClickEnricher).Assembly.GetManifestResourceNames()));
ClickAnalyticsResult answer = await app.Services.GetRequiredService<IClickAnalytics>().QueryAsync(new ClickAnalyticsQuery { Dimensions = ["time"] });
Console.WriteLine($"query: {answer.TotalRows} days");
await app.StopAsync();
Console.WriteLine("pack-check: host started and stopped");
CS
# The build runs outside the repository, so its props and feeds do not leak in; warnings are
# errors there, as in consumers that build that way.
(cd "$work/host" && dotnet run -nologo -clp:ErrorsOnly)
