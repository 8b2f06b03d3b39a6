using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ClickAnalytics;

/// <summary>Options binding shared by the ClickAnalytics packages.</summary>
internal static class ClickAnalyticsOptionsBuilderExtensions
{
    /// <summary>
    /// Binds the options to a configuration section when the application has an
    /// <see cref="IConfiguration"/> (every ASP.NET Core and generic host does), and leaves them to
    /// code otherwise, so the packages also work in a bare service collection.
    /// </summary>
    public static OptionsBuilder<TOptions> BindSectionIfConfigured<TOptions>(this OptionsBuilder<TOptions> builder, string sectionPath)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(sectionPath);
        return builder.Configure<IServiceProvider>((options, services) =>
            services.GetService<IConfiguration>()?.GetSection(sectionPath).Bind(options));
    }
}
