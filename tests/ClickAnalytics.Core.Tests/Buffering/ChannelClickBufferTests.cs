using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Buffering;
using ClickAnalytics.Core.Tests.Support;

namespace ClickAnalytics.Core.Tests.Buffering;

public class ChannelClickBufferTests
{
    [Test]
    public async Task Drop_oldest_keeps_the_newest_clicks_and_counts_the_evicted_ones()
    {
        using var pipeline = new Pipeline(o => { o.BufferCapacity = 10; o.ProcessingEnabled = false; });
        bool[] taken = Enumerable.Range(0, 15).Select(i => pipeline.Writer.TryWrite(TestClicks.Create(i))).ToArray();

        ClickBatch? batch = await pipeline.Reader.ReadBatchAsync(100, TimeSpan.Zero, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(taken, Is.All.True);
            Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(Enumerable.Range(5, 10)));
            Assert.That(pipeline.Dropped.Sum("reason", "buffer_full"), Is.EqualTo(5));
            Assert.That(pipeline.Captured.Sum(), Is.EqualTo(15));
        });
    }

    [Test]
    public async Task Drop_newest_refuses_new_clicks_when_full_and_counts_them()
    {
        using var pipeline = new Pipeline(o => { o.BufferCapacity = 10; o.BufferFullMode = BufferFullMode.DropNewest; o.ProcessingEnabled = false; });
        bool[] taken = Enumerable.Range(0, 15).Select(i => pipeline.Writer.TryWrite(TestClicks.Create(i))).ToArray();

        ClickBatch? batch = await pipeline.Reader.ReadBatchAsync(100, TimeSpan.Zero, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(taken.Count(t => t), Is.EqualTo(10));
            Assert.That(taken.Skip(10), Is.All.False);
            Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(Enumerable.Range(0, 10)));
            Assert.That(pipeline.Dropped.Sum("reason", "buffer_full"), Is.EqualTo(5));
        });
    }

    [TestCase(BufferFullMode.DropOldest)]
    [TestCase(BufferFullMode.DropNewest)]
    public async Task Under_concurrent_producers_every_click_is_read_or_counted_as_dropped(BufferFullMode mode)
    {
        const int producers = 8, perProducer = 20_000;
        using var pipeline = new Pipeline(o => { o.BufferCapacity = 500; o.BufferFullMode = mode; o.ProcessingEnabled = false; });
        IClickBufferReader reader = pipeline.Reader;
        var read = new HashSet<Guid>();
        using var done = new CancellationTokenSource();

        Task consumer = Task.Run(async () =>
        {
            while (true)
            {
                ClickBatch? batch = await reader.ReadBatchAsync(64, TimeSpan.Zero, CancellationToken.None);
                if (batch is null)
                {
                    return;
                }

                foreach (ClickEvent click in batch.Clicks)
                {
                    Assert.That(read.Add(click.EventId), Is.True, "a click was handed out twice");
                }
            }
        });

        int refused = 0;
        Parallel.For(0, producers, p =>
        {
            for (int i = 0; i < perProducer; i++)
            {
                if (!pipeline.Writer.TryWrite(TestClicks.Create(i)))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });
        reader.Complete();
        await consumer;

        long dropped = pipeline.Dropped.Sum("reason", "buffer_full");
        Assert.Multiple(() =>
        {
            Assert.That(read.Count + dropped, Is.EqualTo(producers * perProducer));
            Assert.That(pipeline.Captured.Sum(), Is.EqualTo(producers * perProducer - refused));
            Assert.That(dropped, Is.GreaterThan(0), "the test did not fill the buffer");
            if (mode == BufferFullMode.DropNewest)
            {
                Assert.That(dropped, Is.EqualTo(refused));
            }
        });
    }

    [Test]
    public async Task A_batch_is_returned_as_soon_as_it_is_full()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; });
        for (int i = 0; i < 25; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        ValueTask<ClickBatch?> read = pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromHours(1), CancellationToken.None);

        Assert.That(read.IsCompleted, Is.True, "a full batch must not wait for the clock");
        Assert.That((await read)!.Clicks, Has.Count.EqualTo(10));
    }

    [Test]
    public async Task An_open_batch_closes_when_the_click_that_fills_it_arrives_without_the_clock()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; });
        for (int i = 0; i < 3; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Task<ClickBatch?> read = pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromHours(1), CancellationToken.None).AsTask();
        for (int i = 3; i < 9; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        await Task.Delay(100);
        Assert.That(read.IsCompleted, Is.False, "nine of ten clicks closed the batch");

        pipeline.Writer.TryWrite(TestClicks.Create(9));
        ClickBatch? batch = await read.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(Enumerable.Range(0, 10)));
    }

    [Test]
    public async Task A_batch_larger_than_the_buffer_takes_its_clicks_whenever_the_buffer_is_half_full_so_none_is_dropped()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; o.BufferCapacity = 10; });
        var buffer = (ChannelClickBuffer)pipeline.Writer;
        pipeline.Writer.TryWrite(TestClicks.Create(0));
        pipeline.Writer.TryWrite(TestClicks.Create(1));

        Task<ClickBatch?> read = pipeline.Reader.ReadBatchAsync(30, TimeSpan.FromHours(1), CancellationToken.None).AsTask();
        int next = 2;
        for (int round = 0; round < 4; round++)
        {
            // Each time the buffer holds half its capacity the open batch is woken and empties it.
            for (int i = 0; i < 5; i++)
            {
                pipeline.Writer.TryWrite(TestClicks.Create(next++));
            }

            Eventually.True(() => buffer.Count == 0, "the open batch took the clicks out of the buffer");
        }

        while (next < 30)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(next++));
        }

        ClickBatch? batch = await read.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Multiple(() =>
        {
            Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(Enumerable.Range(0, 30)));
            Assert.That(pipeline.Dropped.Sum("reason", "buffer_full"), Is.Zero);
        });
    }

    [Test]
    public async Task Completing_the_buffer_closes_an_open_batch_without_the_clock()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; });
        pipeline.Writer.TryWrite(TestClicks.Create(0));
        pipeline.Writer.TryWrite(TestClicks.Create(1));

        Task<ClickBatch?> read = pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromHours(1), CancellationToken.None).AsTask();
        await Task.Delay(100);
        pipeline.Reader.Complete();
        ClickBatch? batch = await read.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task A_partial_batch_is_returned_when_its_time_is_up()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; });
        for (int i = 0; i < 3; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Task<ClickBatch?> read = pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromSeconds(1), CancellationToken.None).AsTask();
        pipeline.Time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.That(read.IsCompleted, Is.False, "the batch closed before its time");

        pipeline.Writer.TryWrite(TestClicks.Create(3));
        pipeline.Time.Advance(TimeSpan.FromMilliseconds(1));
        ClickBatch? batch = await read.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public async Task After_complete_the_rest_is_read_then_null_and_new_clicks_are_refused()
    {
        using var pipeline = new Pipeline(o => { o.ProcessingEnabled = false; });
        pipeline.Writer.TryWrite(TestClicks.Create(0));
        pipeline.Writer.TryWrite(TestClicks.Create(1));
        pipeline.Reader.Complete();

        bool late = pipeline.Writer.TryWrite(TestClicks.Create(2));
        ClickBatch? first = await pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromSeconds(5), CancellationToken.None);
        ClickBatch? second = await pipeline.Reader.ReadBatchAsync(10, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(late, Is.False);
            Assert.That(first!.Clicks, Has.Count.EqualTo(2));
            Assert.That(second, Is.Null);
            Assert.That(pipeline.Dropped.Sum("reason", "shutting_down"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_batch_whose_time_runs_out_as_it_fills_loses_nothing_and_does_not_bring_the_process_down()
    {
        // The real clock: batches of 2 with 1 ms to fill while a producer writes about one click a
        // millisecond, so the time limit often fires just as a batch closes. A limit that fired into
        // the closed batch's disposed token source used to throw on a thread-pool thread, which ends
        // the process (and with it this test run).
        using var pipeline = new Pipeline(o => o.ProcessingEnabled = false);
        var buffer = new ChannelClickBuffer(
            Microsoft.Extensions.Options.Options.Create(new ClickAnalyticsOptions { BufferCapacity = 1_000_000, ProcessingEnabled = false }),
            pipeline.Metrics,
            TimeProvider.System);
        int written = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        Task producer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (int i = 0; i < 3; i++)
                {
                    Assert.That(buffer.TryWrite(TestClicks.Create(written)), Is.True);
                    written++;
                }

                await Task.Delay(1);
            }
        });

        int read = 0, batches = 0;
        Task reader = Task.Run(async () =>
        {
            // Reads until the buffer is completed and empty (a read waiting for a click that never
            // comes is ended by the completion, not left hanging).
            while (await buffer.ReadBatchAsync(2, TimeSpan.FromMilliseconds(1), CancellationToken.None) is { } batch)
            {
                read += batch.Clicks.Count;
                batches++;
            }
        });

        await producer;
        buffer.Complete();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(batches, Is.GreaterThan(100), "the race was exercised");
        Assert.That(read, Is.EqualTo(written));
    }

    [Test]
    public async Task A_time_limit_that_fires_after_its_batch_closed_is_harmless()
    {
        // Timer.Dispose does not wait for a callback already on its way; this clock delivers every
        // disposed timer's callback late, as that race does. Throwing there (on a thread-pool thread)
        // would end the process.
        var clock = new LateCallbackTimeProvider();
        using var pipeline = new Pipeline(o => o.ProcessingEnabled = false);
        var buffer = new ChannelClickBuffer(
            Microsoft.Extensions.Options.Options.Create(new ClickAnalyticsOptions { ProcessingEnabled = false }),
            pipeline.Metrics,
            clock);
        var unobserved = new List<Exception>();

        for (int i = 0; i < 20; i++)
        {
            buffer.TryWrite(TestClicks.Create(2 * i));
            ValueTask<ClickBatch?> read = buffer.ReadBatchAsync(2, TimeSpan.FromHours(1), CancellationToken.None);
            buffer.TryWrite(TestClicks.Create((2 * i) + 1));
            ClickBatch? batch = await read;
            Assert.That(batch!.Clicks.Select(TestClicks.Number), Is.EqualTo(new[] { 2 * i, (2 * i) + 1 }));
        }

        await clock.DeliverLateCallbacksAsync(unobserved);
        Assert.That(clock.Delivered, Is.GreaterThan(0), "late callbacks were delivered");
        Assert.That(unobserved, Is.Empty);
    }

    /// <summary>The system clock, except that a disposed timer's callback still runs once, later, when asked.</summary>
    private sealed class LateCallbackTimeProvider : TimeProvider
    {
        private readonly List<(TimerCallback Callback, object? State)> _late = [];

        public int Delivered { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            new LateTimer(System.CreateTimer(callback, state, dueTime, period), () => { lock (_late) { _late.Add((callback, state)); } });

        public Task DeliverLateCallbacksAsync(List<Exception> errors) => Task.Run(() =>
        {
            lock (_late)
            {
                foreach ((TimerCallback callback, object? state) in _late)
                {
                    try
                    {
                        callback(state);
                    }
                    catch (Exception ex)
                    {
                        errors.Add(ex);
                    }

                    Delivered++;
                }
            }
        });

        private sealed class LateTimer(ITimer timer, Action onDispose) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

            public void Dispose()
            {
                timer.Dispose();
                onDispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
