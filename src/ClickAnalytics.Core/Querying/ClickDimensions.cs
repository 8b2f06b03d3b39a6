using System;
using System.Collections.Frozen;
using System.Collections.Generic;
using System.Linq;
using ClickAnalytics.Storage;

namespace ClickAnalytics.Querying;

/// <summary>What a dimension reads from a stored click.</summary>
public enum ClickDimensionKind
{
    /// <summary>A column of <see cref="ClickSchema.Columns"/> (<see cref="ClickDimension.Column"/>).</summary>
    Column,

    /// <summary>
    /// What set the click off, from its flags: <c>preview</c> (a link-preview fetcher),
    /// <c>prefetch</c> (a browser's prefetch or a HEAD probe), <c>qr</c> (a QR code scan),
    /// otherwise <c>link</c>; the first that applies.
    /// </summary>
    Trigger,

    /// <summary>A custom dimension column (<see cref="ClickDimension.Column"/>); empty for clicks without it.</summary>
    Custom,
}

/// <summary>A dimension a query can group by or filter on, with what it reads from the stored clicks.</summary>
public sealed class ClickDimension
{
    private ClickDimension(string name, ClickDimensionKind kind, string column)
    {
        Name = name;
        Kind = kind;
        Column = column;
    }

    /// <summary>Its name in a query.</summary>
    public string Name { get; }

    /// <summary>What it reads.</summary>
    public ClickDimensionKind Kind { get; }

    /// <summary>The stored column (a <see cref="ClickSchema"/> name, or the custom dimension's name); empty for <see cref="ClickDimensionKind.Trigger"/>.</summary>
    public string Column { get; }

    /// <summary>The value of this dimension for a click, as every store must compute it.</summary>
    public string ValueOf(EnrichedClick click)
    {
        ArgumentNullException.ThrowIfNull(click);
        return Kind switch
        {
            ClickDimensionKind.Trigger => TriggerOf(click),
            ClickDimensionKind.Custom => click.Dimensions.TryGetValue(Column, out string? value) ? value : "",
            _ => SchemaColumns[Column].ReadString(click),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal static ClickDimension Custom(string name) => new(ClickDimensions.CustomPrefix + name, ClickDimensionKind.Custom, name);

    internal static ClickDimension Of(string name, string column) => new(name, ClickDimensionKind.Column, column);

    internal static ClickDimension Trigger(string name) => new(name, ClickDimensionKind.Trigger, "");

    private static string TriggerOf(EnrichedClick click) =>
        click.BotClass == BotClass.LinkPreview ? ClickTriggers.Preview
        : Enrichment.SpeculativeClicks.IsPrefetch(click.Click.Flags) || Enrichment.SpeculativeClicks.IsHead(click.Click.Flags) ? ClickTriggers.Prefetch
        : (click.Click.Flags & ClickFlags.QrCode) != 0 ? ClickTriggers.Qr
        : ClickTriggers.Link;

    private static readonly FrozenDictionary<string, ClickColumn> SchemaColumns = ClickSchema.Columns.ToFrozenDictionary(c => c.Name, StringComparer.Ordinal);
}

/// <summary>The values of the <c>trigger</c> dimension.</summary>
public static class ClickTriggers
{
    /// <summary>An ordinary click on the link.</summary>
    public const string Link = "link";

    /// <summary>A scan of the link's QR code.</summary>
    public const string Qr = "qr";

    /// <summary>A browser's prefetch or prerender, or a HEAD probe.</summary>
    public const string Prefetch = "prefetch";

    /// <summary>A link-preview fetcher (a chat app or social network unfurling the link).</summary>
    public const string Preview = "preview";
}

/// <summary>The dimensions a query may name: the only names that ever reach a store's SQL.</summary>
public static class ClickDimensions
{
    /// <summary>The time dimension; <c>time:hour</c>, <c>time:day</c>, <c>time:week</c>, <c>time:month</c> choose its bucket.</summary>
    public const string Time = "time";

    /// <summary>Prefix of a custom dimension (<c>custom:plan</c>).</summary>
    public const string CustomPrefix = "custom:";

    /// <summary>Every fixed dimension but time, by name.</summary>
    public static IReadOnlyDictionary<string, ClickDimension> Fixed { get; } = new ClickDimension[]
    {
        ClickDimension.Of("link", "link_id"),
        ClickDimension.Of("tenant", "tenant_id"),
        ClickDimension.Of("continent", "continent"),
        ClickDimension.Of("country", "country"),
        ClickDimension.Of("region", "region"),
        ClickDimension.Of("city", "city"),
        ClickDimension.Of("deviceType", "device_type"),
        ClickDimension.Of("browser", "browser_family"),
        ClickDimension.Of("os", "os_family"),
        ClickDimension.Of("refererMedium", "referer_medium"),
        ClickDimension.Of("refererSource", "referer_source"),
        ClickDimension.Of("refererHost", "referer_host"),
        ClickDimension.Of("utmSource", "utm_source"),
        ClickDimension.Of("utmMedium", "utm_medium"),
        ClickDimension.Of("utmCampaign", "utm_campaign"),
        ClickDimension.Of("utmTerm", "utm_term"),
        ClickDimension.Of("utmContent", "utm_content"),
        ClickDimension.Of("language", "language"),
        ClickDimension.Trigger("trigger"),
    }.ToFrozenDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>The dimension of that name (a fixed one or <c>custom:name</c>), or null when there is none.</summary>
    public static ClickDimension? Find(string? name)
    {
        if (name is null)
        {
            return null;
        }

        if (Fixed.TryGetValue(name, out ClickDimension? dimension))
        {
            return dimension;
        }

        return name.StartsWith(CustomPrefix, StringComparison.Ordinal) && ClickSchema.IsValidDimensionName(name[CustomPrefix.Length..])
            ? ClickDimension.Custom(name[CustomPrefix.Length..])
            : null;
    }

    internal static string Known => string.Join(", ", Fixed.Keys.Prepend(Time).Append(CustomPrefix + "<name>"));
}
