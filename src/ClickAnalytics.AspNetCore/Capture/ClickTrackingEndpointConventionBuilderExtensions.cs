using System;
using System.Threading.Tasks;
using ClickAnalytics.AspNetCore.Capture;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Marks endpoints whose responses are tracked clicks.</summary>
public static class ClickTrackingEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Tracks clicks on these endpoints: after the endpoint answered with a redirect (3xx), the
    /// click is captured and handed to the buffer without awaiting. Works on a minimal-API
    /// endpoint, a route group, or <c>MapControllers()</c>. The link id comes from the
    /// <c>code</c> route value unless <paramref name="configure"/> says otherwise.
    /// </summary>
    public static TBuilder TrackClicks<TBuilder>(this TBuilder builder, Action<ClickTracking>? configure = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var tracking = new ClickTracking();
        configure?.Invoke(tracking);

        builder.Add(endpoint => endpoint.Metadata.Add(tracking));
        // Finally conventions run after the request delegate exists, so it can be wrapped.
        builder.Finally(endpoint =>
        {
            RequestDelegate? inner = endpoint.RequestDelegate;
            if (inner is null)
            {
                return;
            }

            var tracked = new TrackedEndpoint(inner, ClickCapture.GetOrCreate(endpoint.ApplicationServices), tracking);
            endpoint.RequestDelegate = tracked.InvokeAsync;
        });
        return builder;
    }

    private sealed class TrackedEndpoint(RequestDelegate inner, ClickCapture capture, ClickTracking tracking)
    {
        public Task InvokeAsync(HttpContext context)
        {
            Task task = inner(context);
            if (task.IsCompletedSuccessfully)
            {
                capture.CaptureResponse(context, tracking);
                return Task.CompletedTask;
            }

            return AwaitThenCaptureAsync(task, context);
        }

        private async Task AwaitThenCaptureAsync(Task task, HttpContext context)
        {
            await task.ConfigureAwait(false);
            capture.CaptureResponse(context, tracking);
        }
    }
}
