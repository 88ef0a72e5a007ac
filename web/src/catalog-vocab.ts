/** Filter vocabularies of the demo catalog (Kaggle Fashion Product Images), for selects and suggestions. */
export const GENDERS = ['Men', 'Women', 'Boys', 'Girls', 'Unisex'];
export const USAGES = ['Casual', 'Formal', 'Sports', 'Ethnic', 'Party', 'Smart Casual', 'Travel'];
export const SEASONS = ['Summer', 'Fall', 'Winter', 'Spring'];
export const COLOURS = [
  'Black', 'White', 'Blue', 'Navy Blue', 'Grey', 'Red', 'Brown', 'Green', 'Pink', 'Purple', 'Silver', 'Yellow',
  'Beige', 'Gold', 'Maroon', 'Orange', 'Olive', 'Cream', 'Off White', 'Charcoal', 'Peach', 'Multi', 'Khaki',
  'Lavender', 'Magenta', 'Teal', 'Turquoise Blue', 'Mustard', 'Tan', 'Rust', 'Coffee Brown', 'Grey Melange',
];
export const ARTICLE_TYPES = [
  'Tshirts', 'Shirts', 'Casual Shoes', 'Watches', 'Sports Shoes', 'Kurtas', 'Tops', 'Handbags', 'Heels', 'Sunglasses',
  'Wallets', 'Flip Flops', 'Sandals', 'Briefs', 'Belts', 'Backpacks', 'Socks', 'Formal Shoes', 'Perfume and Body Mist',
  'Jeans', 'Shorts', 'Trousers', 'Flats', 'Bra', 'Dresses', 'Sarees', 'Earrings', 'Deodorant', 'Nail Polish',
  'Lipstick', 'Track Pants', 'Clutches', 'Sweatshirts', 'Caps', 'Sweaters', 'Ties', 'Jackets', 'Innerwear Vests',
  'Kurtis', 'Tunics', 'Nightdress', 'Leggings', 'Pendant', 'Capris', 'Necklace and Chains', 'Lip Gloss',
  'Night suits', 'Trunk', 'Skirts', 'Scarves', 'Ring', 'Dupatta', 'Accessory Gift Set', 'Cufflinks', 'Kajal and Eyeliner',
  'Bracelet', 'Blazers', 'Jumpsuit', 'Churidar', 'Salwar', 'Stoles', 'Suits', 'Waistcoat',
];
