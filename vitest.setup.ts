// fast-check generates at most 10 elements for `fc.array(x, { maxLength: 80 })` unless told
// otherwise (its default size is 'small'). Every property here that names a maxLength means it: a
// bound of 80 must reach 80, or sparse-match pages and long write histories are never tried.
import fc from 'fast-check';

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
