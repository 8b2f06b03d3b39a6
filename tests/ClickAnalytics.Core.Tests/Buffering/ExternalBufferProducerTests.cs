using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics.Buffering;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace ClickAnalytics.Core.Tests.Buffering;

public sealed class ExternalBufferProducerTests
{
    [Test]
    public async Task A_buffer_that_fails_twice_gets_every_click_in_order_once_it_is_back()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<ClickAnalyticsMetrics>().BuildServiceProvider();
        var producer = new FakeProducer(services.GetRequiredService<ClickAnalyticsMetrics>(), failures: 2);
        for (int i = 0; i < 10; i++)
        {
            producer.TryWrite(TestClicks.Create(i));
        }

        await producer.StartAsync(CancellationToken.None);
        Eventually.True(() => producer.Sent.Count == 10, "all ten clicks are sent");
        await producer.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(producer.SentInOrder(), Is.True);
            Assert.That(producer.Failures, Is.EqualTo(2));
            Assert.That(producer.Recoveries, Is.EqualTo(1));
            Assert.That(producer.QueuedCount, Is.Zero);
            Assert.That(producer.IsFailing, Is.False);
        });
    }

    [Test]
    public async Task Stopped_while_the_buffer_is_down_every_click_is_counted_the_batch_in_flight_and_the_one_read_behind_it_too()
    {
        using var services = new ServiceCollection().AddMetrics().AddSingleton<ClickAnalyticsMetrics>().BuildServiceProvider();
        var metrics = services.GetRequiredService<ClickAnalyticsMetrics>();
        using var dropped = new MetricCollector<long>(metrics.Meter, "clickanalytics.buffer.dropped");
        var producer = new FakeProducer(metrics, failures: int.MaxValue);
        // Batches of 4: the first is in flight, the second read and encoded behind it, two wait in the queue.
        for (int i = 0; i < 10; i++)
        {
            producer.TryWrite(TestClicks.Create(i));
        }

        await producer.StartAsync(CancellationToken.None);
        Eventually.True(() => producer.Failures > 0, "the first batch is failing");
        await producer.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(dropped.Sum("reason", DropReason.NotDrained), Is.EqualTo(10), "every click taken is sent or counted");
            Assert.That(producer.NotDrained, Is.EqualTo(10));
            Assert.That(producer.QueuedCount, Is.Zero);
            Assert.That(producer.Sent, Is.Empty);
        });
    }

    private sealed class FakeProducer(ClickAnalyticsMetrics metrics, int failures) : ExternalBufferProducer(
        new ExternalProducerSettings(100, 4, ClickEncoding.Binary, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(200)),
        metrics,
        TimeProvider.System)
    {
        private int _failuresLeft = failures;

        public ConcurrentQueue<ClickEvent> Sent { get; } = new();

        public int Failures;

        public int Recoveries;

        public long NotDrained;

        public bool SentInOrder()
        {
            int expected = 0;
            foreach (ClickEvent click in Sent)
            {
                if (TestClicks.Number(click) != expected++)
                {
                    return false;
                }
            }

            return true;
        }

        protected override ValueTask SendOnceAsync(ReadOnlyMemory<byte[]> batch)
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw new InvalidOperationException("the buffer is down");
            }

            foreach (byte[] payload in batch.Span)
            {
                Assert.That(ClickEventCodec.TryDecode(payload, out ClickEvent? click, out string? error), Is.True, error);
                Sent.Enqueue(click!);
            }

            return ValueTask.CompletedTask;
        }

        protected override void OnSendFailed(Exception error, int count, TimeSpan delay) => Interlocked.Increment(ref Failures);

        protected override void OnRecovered() => Interlocked.Increment(ref Recoveries);

        protected override void OnNotDrained(long count) => NotDrained = count;
    }
}
