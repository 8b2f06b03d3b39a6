using System;
using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using ClickAnalytics.Sinks.Redis;
using ClickAnalytics.Sinks.Redis.Buffering;
using ClickAnalytics.Sinks.Redis.Diagnostics;
using ClickAnalytics.Sinks.Redis.Enrichment;

namespace ClickAnalytics.Benchmarks.Redis;

/// <summary>
/// Redis Streams measurements (see benchmarks/RESULTS.md and run.sh beside this file):
/// <c>encoding</c> compares the binary and JSON entry encodings; <c>producer REDIS COUNT PIPELINE</c>
/// measures the producer's XADD throughput; <c>e2e REDIS COUNT</c> measures clicks/s from producer
/// through Redis and the processor into the store.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args.Length > 0 ? args[0] : "")
        {
            case "encoding":
                Encoding(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200_000);
                return 0;
            case "payload-size":
                Console.WriteLine(AveragePayloadSize(ClickEncoding.Binary));
                return 0;
            case "producer" when args.Length == 4:
                await ProducerAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
                return 0;
            case "raw" when args.Length == 4:
                await RawAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture));
                return 0;
            case "drain" when args.Length >= 3:
                await EndToEnd.RunAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args.Length > 3 ? args[3] : null, prefill: true);
                return 0;
            case "e2e" when args.Length >= 3:
                await EndToEnd.RunAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), args.Length > 3 ? args[3] : null);
                return 0;
            default:
                Console.Error.WriteLine("usage: encoding [COUNT] | payload-size | producer REDIS COUNT PIPELINE | raw REDIS COUNT PIPELINE | e2e REDIS COUNT [DUCKDB_FILE] | drain REDIS COUNT [DUCKDB_FILE]");
                return 2;
        }
    }

    internal static int AveragePayloadSize(ClickEncoding encoding)
    {
        ClickEvent[] clicks = Clicks.Create(10_000);
        var scratch = new ArrayBufferWriter<byte>();
        long total = 0;
        foreach (ClickEvent click in clicks)
        {
            total += ClickEventCodec.Encode(click, encoding, scratch).Length;
        }

        return (int)(total / clicks.Length);
    }

    private static void Encoding(int count)
    {
        ClickEvent[] clicks = Clicks.Create(count);
        var scratch = new ArrayBufferWriter<byte>();
        Console.WriteLine("encoding  bytes/click  encode ns/click  decode ns/click  encode B alloc/click  decode B alloc/click");
        // Rounds alternate between the encodings so both see the same machine noise; the best round counts.
        var best = new (double Encode, double Decode, double EncodeAlloc, double DecodeAlloc, int Size)[2];
        for (int round = 0; round < 5; round++)
        {
            foreach (ClickEncoding encoding in new[] { ClickEncoding.Binary, ClickEncoding.Json })
            {
                var payloads = new byte[count][];
                long allocBefore = GC.GetAllocatedBytesForCurrentThread();
                long started = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    payloads[i] = ClickEventCodec.Encode(clicks[i], encoding, scratch);
                }

                double encodeNs = Stopwatch.GetElapsedTime(started).TotalNanoseconds / count;
                double encodeAlloc = (GC.GetAllocatedBytesForCurrentThread() - allocBefore - ((long)count * 8)) / (double)count;

                allocBefore = GC.GetAllocatedBytesForCurrentThread();
                started = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    if (!ClickEventCodec.TryDecode(payloads[i], out _, out string? error))
                    {
                        throw new InvalidOperationException(error);
                    }
                }

                double decodeNs = Stopwatch.GetElapsedTime(started).TotalNanoseconds / count;
                double decodeAlloc = (GC.GetAllocatedBytesForCurrentThread() - allocBefore) / (double)count;
                long size = 0;
                foreach (byte[] payload in payloads)
                {
                    size += payload.Length;
                }

                ref var slot = ref best[(int)encoding];
                if (round == 0 || encodeNs + decodeNs < slot.Encode + slot.Decode)
                {
                    slot = (encodeNs, decodeNs, encodeAlloc, decodeAlloc, (int)(size / count));
                }
            }
        }

        foreach (ClickEncoding encoding in new[] { ClickEncoding.Binary, ClickEncoding.Json })
        {
            var r = best[(int)encoding];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{encoding,-8}  {r.Size,11}  {r.Encode,15:F0}  {r.Decode,15:F0}  {r.EncodeAlloc,20:F0}  {r.DecodeAlloc,20:F0}"));
        }
    }

    /// <summary>StackExchange.Redis alone: the same XADDs, pre-encoded, pipelined the same way, without the producer.</summary>
    private static async Task RawAsync(string redis, int count, int pipeline)
    {
        var scratch = new ArrayBufferWriter<byte>();
        ClickEvent[] clicks = Clicks.Create(count);
        var payloads = new RedisValue[count];
        for (int i = 0; i < count; i++)
        {
            payloads[i] = ClickEventCodec.Encode(clicks[i], ClickEncoding.Binary, scratch);
        }

        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis);
        IDatabase db = connection.GetDatabase();
        await db.KeyDeleteAsync("bench:raw");
        long started = Stopwatch.GetTimestamp();
        var sends = new Task[pipeline];
        for (int offset = 0; offset < count; offset += pipeline)
        {
            int n = Math.Min(pipeline, count - offset);
            if (n != sends.Length)
            {
                sends = new Task[n];
            }

            for (int i = 0; i < n; i++)
            {
                sends[i] = db.StreamAddAsync("bench:raw", "c", payloads[offset + i], null, 1_000_000L, true);
            }

            await Task.WhenAll(sends);
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw StackExchange.Redis: {count} XADD, pipeline {pipeline}: {elapsed.TotalSeconds:F3} s, {count / elapsed.TotalSeconds:F0} XADD/s"));
    }

    private static async Task ProducerAsync(string redis, int count, int pipeline)
    {
        ClickEvent[] clicks = Clicks.Create(count);
        string stream = "bench:producer";
        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            await admin.GetDatabase().KeyDeleteAsync(stream);
        }

        // Room for every click, so the measurement is Redis throughput and not drops or back-pressure.
        int capacity = count + 1;
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddClickAnalytics(o => o.ProcessingEnabled = false).UseRedisStreams(o =>
        {
            o.Configuration = redis;
            o.StreamKey = stream;
            o.LocalQueueCapacity = capacity;
            o.ProducerBatchSize = pipeline;
            o.MaxLength = 1_000_000;
        });
        using IHost host = builder.Build();
        await host.StartAsync();
        IClickBufferWriter writer = host.Services.GetRequiredService<IClickBufferWriter>();
        RedisClickProducer producer = host.Services.GetRequiredService<RedisClickProducer>();

        // Warm-up (JIT, connection, script cache), not timed: redis-benchmark is native code.
        foreach (ClickEvent click in Clicks.Create(Math.Min(count, 50_000)))
        {
            writer.TryWrite(click);
        }

        while (producer.QueuedCount > 0)
        {
            await Task.Delay(1);
        }

        await using (ConnectionMultiplexer admin = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            await admin.GetDatabase().KeyDeleteAsync(stream);
        }

        long started = Stopwatch.GetTimestamp();
        foreach (ClickEvent click in clicks)
        {
            writer.TryWrite(click);
        }

        while (producer.QueuedCount > 0)
        {
            await Task.Delay(1);
        }

        TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
        await host.StopAsync();

        await using ConnectionMultiplexer check = await ConnectionMultiplexer.ConnectAsync(redis);
        long length = await check.GetDatabase().StreamLengthAsync(stream);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"producer: {count} clicks ({AveragePayloadSize(ClickEncoding.Binary)} B avg payload), pipeline {pipeline}: {elapsed.TotalSeconds:F3} s, {count / elapsed.TotalSeconds:F0} clicks/s, stream length {length}"));
    }
}
