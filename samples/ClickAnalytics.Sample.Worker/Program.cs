using ClickAnalytics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A worker node: no web endpoints. It joins the Redis consumer group, enriches the clicks that web
// nodes produced and stores them. Run as many as the load needs; each gets a unique consumer name.
//   dotnet run --project samples/ClickAnalytics.Sample.Worker -- --ClickAnalytics:Redis:Configuration=127.0.0.1:6379
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
builder.Services
    .AddClickAnalytics()
    .UseRedisStreams()
    .AddDuckDb();

using IHost host = builder.Build();
await host.RunAsync();
