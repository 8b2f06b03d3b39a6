using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ClickAnalytics;
using ClickAnalytics.Core.Tests.Support;
using ClickAnalytics.Enrichment;
using ClickAnalytics.Processing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly;

namespace ClickAnalytics.Core.Tests.Processing;

public class ClickProcessorTests
{
    [Test]
    public async Task Every_click_reaches_the_sink_enriched_in_batches_no_larger_than_the_batch_size()
    {
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(o => o.BatchSize = 7, sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < 50; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Eventually.True(() => sink.Stored == 50, "all clicks stored");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Batches.Select(b => b.Count), Is.All.LessThanOrEqualTo(7));
            Assert.That(sink.Batches.SelectMany(b => b).Select(c => TestClicks.Number(c.Click)).Order(), Is.EqualTo(Enumerable.Range(0, 50)));
            Assert.That(pipeline.Processed.Sum(), Is.EqualTo(50));
        });
    }

    [Test]
    public async Task A_partial_batch_waits_for_the_clock()
    {
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(o => { o.BatchSize = 100; o.BatchMaxWait = TimeSpan.FromSeconds(2); }, sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < 5; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        // An open batch leaves the clicks it still waits for in the buffer, so taking any shows it is open.
        Eventually.True(() => pipeline.Reader.Count < 5, "the worker opened a batch");
        await Task.Delay(100);
        Assert.That(sink.Calls, Is.Zero, "the batch was written before its time");

        pipeline.Time.Advance(TimeSpan.FromSeconds(2));
        Eventually.True(() => sink.Stored == 5, "the batch is written when its time is up");
        await pipeline.Processor.StopAsync(CancellationToken.None);
        Assert.That(sink.Batches, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_failing_sink_is_retried_and_the_batch_still_lands()
    {
        var sink = new RecordingSink();
        sink.FailNext(2);
        using var pipeline = new Pipeline(o => o.SinkMaxAttempts = 5, sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < 10; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Eventually.True(() => sink.Stored == 10, "the batches land after retries");
        await pipeline.Processor.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(pipeline.Retries.Sum(), Is.EqualTo(2));
            Assert.That(pipeline.Failed.Sum(), Is.Zero);
        });
    }

    [Test]
    public async Task A_sink_that_takes_no_writes_holds_its_batch_reads_nothing_more_and_gives_nothing_up()
    {
        var sink = new RecordingSink { AlwaysFail = true };
        using var pipeline = new Pipeline(o => { o.SinkMaxAttempts = 3; o.BatchSize = 4; }, sinks: sink);
        // Buffered before the processor starts, so its first batch is 4 and 6 wait.
        for (int i = 0; i < 10; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        await pipeline.Processor.StartAsync(CancellationToken.None);
        AdvanceUntil(pipeline, () => sink.Calls > 40, "the held batch is tried again and again");

        Assert.Multiple(() =>
        {
            Assert.That(pipeline.Failed.Sum(), Is.Zero, "an outage gives no click up");
            Assert.That(pipeline.Dropped.Sum(), Is.Zero);
            Assert.That(pipeline.Reader.Count, Is.EqualTo(6), "nothing more is read while the batch is held");
        });

        sink.AlwaysFail = false;
        AdvanceUntil(pipeline, () => sink.Stored == 10, "everything is stored once the sink is back");
        await pipeline.Processor.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(pipeline.Processed.Sum(), Is.EqualTo(10));
            Assert.That(pipeline.Failed.Sum(), Is.Zero);
            Assert.That(sink.Batches.SelectMany(b => b).Select(c => c.Click.EventId).Distinct().Count(), Is.EqualTo(10));
        });
    }

    [Test]
    public async Task Clicks_a_working_sink_rejects_are_found_and_given_up_alone()
    {
        // Two bad clicks, one in each half of the batch, and one more in a later batch.
        var bad = new[] { 3, 29, 57 };
        var sink = new RecordingSink { Rejects = c => bad.Any(n => c.Click.UserAgent == $"agent-{n}") };
        using var pipeline = new Pipeline(o => { o.SinkMaxAttempts = 2; o.BatchSize = 40; }, sinks: sink);
        for (int i = 0; i < 80; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        await pipeline.Processor.StartAsync(CancellationToken.None);
        AdvanceUntil(pipeline, () => pipeline.Failed.Sum() == 3 && sink.Stored == 77, "the good clicks are stored and the bad ones counted");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Batches.SelectMany(b => b).Select(c => c.Click.UserAgent), Has.None.AnyOf(bad.Select(n => $"agent-{n}").ToArray()));
            Assert.That(pipeline.Processed.Sum(), Is.EqualTo(77));
            Assert.That(pipeline.Failed.GetMeasurementSnapshot().All(m => (string?)m.Tags["error.type"] == "FormatException"), Is.True);
        });
    }

    [Test]
    public async Task Stopping_while_a_batch_is_held_counts_it_and_the_rest_as_not_drained()
    {
        var sink = new RecordingSink { AlwaysFail = true };
        using var pipeline = new Pipeline(o => { o.BatchSize = 4; o.ShutdownTimeout = TimeSpan.FromSeconds(5); }, sinks: sink);
        for (int i = 0; i < 10; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        await pipeline.Processor.StartAsync(CancellationToken.None);
        AdvanceUntil(pipeline, () => sink.Calls > 10, "the batch is held");
        Task stop = pipeline.Processor.StopAsync(CancellationToken.None);
        AdvanceUntil(pipeline, () => stop.IsCompleted, "the stop ends at its timeout");
        await stop;

        Assert.Multiple(() =>
        {
            Assert.That(pipeline.Dropped.Sum("reason", "not_drained"), Is.EqualTo(10), "the held batch and what was still buffered");
            Assert.That(pipeline.Failed.Sum(), Is.Zero);
        });
    }

    /// <summary>Moves the fake clock on in steps (retry delays run on it) until the condition holds.</summary>
    private static void AdvanceUntil(Pipeline pipeline, Func<bool> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }

            pipeline.Time.Advance(TimeSpan.FromSeconds(1));
            Thread.Sleep(2);
        }
    }

    [Test]
    public async Task A_sink_that_already_has_the_batch_is_not_written_again_when_another_sink_retries()
    {
        var healthy = new RecordingSink("healthy");
        var flaky = new RecordingSink("flaky");
        flaky.FailNext(1);
        using var pipeline = new Pipeline(o => o.BatchSize = 100, sinks: [healthy, flaky]);
        await pipeline.Processor.StartAsync(CancellationToken.None);

        for (int i = 0; i < 20; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Eventually.True(() => flaky.Stored == 20, "the flaky sink gets the clicks after a retry");
        await pipeline.Processor.StopAsync(CancellationToken.None);
        Assert.That(healthy.Stored, Is.EqualTo(20));
    }

    [Test]
    public async Task Stopping_drains_what_is_buffered()
    {
        var sink = new RecordingSink();
        using var pipeline = new Pipeline(o => { o.BatchSize = 10; o.BatchMaxWait = TimeSpan.FromMinutes(5); }, sinks: sink);
        for (int i = 0; i < 1_000; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        await pipeline.Processor.StartAsync(CancellationToken.None);
        await pipeline.Processor.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(sink.Stored, Is.EqualTo(1_000));
            Assert.That(pipeline.Dropped.Sum(), Is.Zero);
        });
    }

    [Test]
    public async Task Stopping_past_the_timeout_counts_every_click_it_could_not_store()
    {
        var sink = new RecordingSink { Gate = new TaskCompletionSource() };
        using var pipeline = new Pipeline(o => { o.BatchSize = 10; o.ShutdownTimeout = TimeSpan.FromSeconds(5); }, sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);
        for (int i = 0; i < 100; i++)
        {
            pipeline.Writer.TryWrite(TestClicks.Create(i));
        }

        Eventually.True(() => sink.Calls == 1, "the worker is stuck in the sink");
        Task stop = pipeline.Processor.StopAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.That(stop.IsCompleted, Is.False, "stop gave up before its timeout");

        pipeline.Time.Advance(TimeSpan.FromSeconds(5));
        await stop.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Multiple(() =>
        {
            Assert.That(sink.Stored, Is.Zero);
            Assert.That(pipeline.Dropped.Sum("reason", "not_drained"), Is.EqualTo(100));
        });
    }

    [Test]
    public async Task A_second_stop_waits_for_the_drain_the_first_one_started()
    {
        var sink = new RecordingSink { Gate = new TaskCompletionSource() };
        using var pipeline = new Pipeline(o => o.ShutdownTimeout = TimeSpan.FromMinutes(1), sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);
        pipeline.Writer.TryWrite(TestClicks.Create(1));
        Eventually.True(() => sink.Calls == 1, "the worker is in the sink");

        Task first = pipeline.Processor.StopAsync(CancellationToken.None);
        Task second = pipeline.Processor.StopAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.That(second.IsCompleted, Is.False, "a second stop returned while the first was still draining");

        sink.Gate.SetResult();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(sink.Stored, Is.EqualTo(1));
    }

    [Test]
    public async Task Stages_run_in_order_and_a_throwing_stage_does_not_stop_the_batch()
    {
        var sink = new RecordingSink();
        var log = new ConcurrentQueue<string>();
        using var pipeline = new Pipeline(
            build: b => b
                .AddEnricher(new Stage("late", 900, log))
                .AddEnricher(new Stage("boom", 150, log, fail: true))
                .AddEnricher(new Stage("early", 50, log)),
            sinks: sink);
        await pipeline.Processor.StartAsync(CancellationToken.None);
        pipeline.Writer.TryWrite(TestClicks.Create(1));

        Eventually.True(() => sink.Stored == 1, "the click is stored despite the throwing stage");
        await pipeline.Processor.StopAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(log, Is.EqualTo(new[] { "early", "boom", "late" }));
            Assert.That(pipeline.EnrichmentErrors.Sum("stage", "boom"), Is.EqualTo(1));
            Assert.That(sink.Batches.Single()[0].Dimensions["late"], Is.EqualTo("done"));
            Assert.That(pipeline.Processor.Enrichers.Select(e => e.Order), Is.Ordered);
        });
    }

    [Test]
    public async Task Starting_without_a_sink_fails_with_a_clear_message()
    {
        using var pipeline = new Pipeline();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.Processor.StartAsync(CancellationToken.None));
        Assert.That(error!.Message, Does.Contain("AddDuckDb"));
    }

    [Test]
    public async Task Retries_wait_on_the_clock_no_longer_than_the_cap_and_the_batch_lands()
    {
        var sink = new RecordingSink();
        sink.FailNext(3);
        using var pipeline = new Pipeline(o =>
        {
            o.SinkMaxAttempts = 4;
            o.SinkRetryBaseDelay = TimeSpan.FromMilliseconds(100);
            o.SinkRetryMaxDelay = TimeSpan.FromMilliseconds(300);
        }, sinks: sink);
        pipeline.Writer.TryWrite(TestClicks.Create(1));
        await pipeline.Processor.StartAsync(CancellationToken.None);

        // Each retry waits at most the cap: moving the clock by the cap always lets the next attempt run.
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            int expected = attempt;
            Eventually.True(() => sink.Calls == expected, $"attempt {expected} ran");
            pipeline.Time.Advance(TimeSpan.FromMilliseconds(300));
        }

        Eventually.True(() => sink.Stored == 1, "the fourth attempt stores the batch");
        await pipeline.Processor.StopAsync(CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(sink.Calls, Is.EqualTo(4));
            Assert.That(pipeline.Retries.Sum(), Is.EqualTo(3));
            Assert.That(pipeline.Failed.Sum(), Is.Zero);
        });
    }

    [Test]
    public async Task The_retry_policy_backs_off_with_jitter_within_its_bounds_and_stops_at_its_attempts()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var delays = new List<TimeSpan>();
        ResiliencePipeline retry = ClickRetry.Create(8, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), time, args =>
        {
            delays.Add(args.RetryDelay);
            return ValueTask.CompletedTask;
        });
        int calls = 0;
        Task run = retry.ExecuteAsync(_ =>
        {
            calls++;
            throw new InvalidOperationException("down");
        }, CancellationToken.None).AsTask();
        while (!run.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => run);
        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EqualTo(8), "eight attempts in all");
            Assert.That(delays, Has.Count.EqualTo(7));
            Assert.That(delays, Has.All.GreaterThan(TimeSpan.Zero).And.All.LessThanOrEqualTo(TimeSpan.FromSeconds(1)));
        });
    }

    [Test]
    public async Task A_cancelled_write_is_not_retried()
    {
        int calls = 0;
        ResiliencePipeline retry = ClickRetry.Create(5, TimeSpan.Zero, TimeSpan.Zero, TimeProvider.System);
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(async () => await retry.ExecuteAsync(token =>
        {
            calls++;
            token.ThrowIfCancellationRequested();
            return ValueTask.CompletedTask;
        }, cancel.Token));
        Assert.That(calls, Is.LessThanOrEqualTo(1));
    }

    [Test]
    public async Task Registered_through_the_host_it_starts_and_drains_with_the_host()
    {
        var sink = new RecordingSink();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClickAnalytics(o => o.BatchMaxWait = TimeSpan.FromMinutes(1));
        builder.Services.AddSingleton<ClickAnalytics.Storage.IClickSink>(sink);
        using IHost host = builder.Build();
        await host.StartAsync();
        var writer = host.Services.GetRequiredService<ClickAnalytics.Buffering.IClickBufferWriter>();
        for (int i = 0; i < 3; i++)
        {
            writer.TryWrite(TestClicks.Create(i));
        }

        await host.StopAsync();
        Assert.That(sink.Stored, Is.EqualTo(3));
    }

    [Test]
    public async Task Invalid_options_fail_at_start()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddClickAnalytics(o => o.BatchSize = 0);
        builder.Services.AddSingleton<ClickAnalytics.Storage.IClickSink>(new RecordingSink());
        using IHost host = builder.Build();
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Message, Does.Contain("BatchSize"));
    }

    private sealed class Stage(string name, int order, ConcurrentQueue<string> log, bool fail = false) : IClickEnricher
    {
        public string Name => name;

        public int Order => order;

        public ValueTask EnrichAsync(IReadOnlyList<EnrichedClick> clicks, CancellationToken cancellationToken)
        {
            log.Enqueue(name);
            if (fail)
            {
                throw new InvalidOperationException("stage bug");
            }

            foreach (EnrichedClick click in clicks)
            {
                click.SetDimension(name, "done");
            }

            return ValueTask.CompletedTask;
        }
    }
}
