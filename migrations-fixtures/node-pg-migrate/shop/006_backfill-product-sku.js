/** Data rewrite: fills products.sku_normalized. The down clears it again (it was NULL before). */
export const up = (pgm) => {
  pgm.sql('UPDATE products SET sku_normalized = upper(sku) WHERE sku_normalized IS NULL');
};

export const down = (pgm) => {
  pgm.sql('UPDATE products SET sku_normalized = NULL');
};
